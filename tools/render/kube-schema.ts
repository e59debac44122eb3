// Validates Kubernetes objects against the strict JSON Schemas of reference/kubernetes-schemas
// (built-in kinds of Kubernetes 1.36 and the CRDs a site creates): unknown fields, wrong types
// and missing required fields are errors. A kind without a schema is reported as skipped.
import Ajv, { type ValidateFunction } from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { referenceDir } from "./reference";

export interface KubeObject {
    readonly apiVersion?: unknown;
    readonly kind?: unknown;
    readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown };
    readonly [key: string]: unknown;
}

export type ObjectCheck =
    | { readonly status: "valid"; readonly id: string }
    | { readonly status: "invalid"; readonly id: string; readonly errors: readonly string[] }
    | { readonly status: "skipped"; readonly id: string; readonly reason: string };

/** `apiVersion/kind name` (with the namespace when it has one), for messages. */
export function objectId(o: KubeObject): string {
    const ns = o.metadata?.namespace ? `${String(o.metadata.namespace)}/` : "";
    return `${String(o.apiVersion)}/${String(o.kind)} ${ns}${String(o.metadata?.name ?? "(no name)")}`;
}

/** Groups the reference leaves without schemas on purpose (reference/NOTICE.md): counted as skipped. */
const unschemaedGroups = ["monitoring.coreos.com", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "hub.traefik.io"];

export class KubeSchemas {
    private readonly dir: string;
    private readonly index: Record<string, { file: string; source: string }>;
    private readonly ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
    private readonly compiled = new Map<string, ValidateFunction>();

    constructor(dir = join(referenceDir(), "kubernetes-schemas")) {
        this.dir = dir;
        this.index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    }

    /**
     * What a Kubernetes 1.36 cluster with the CRDs of these API groups serves, as helm's
     * --api-versions takes it: each `group/version/Kind` and each `group/version`. Charts pick
     * their API versions and optional objects by it (a PodDisruptionBudget is policy/v1 only where
     * helm knows the cluster serves that).
     */
    apiVersions(crdGroups: readonly string[]): string[] {
        const served = Object.entries(this.index)
            .filter(([key, entry]) => entry.source.startsWith("kubernetes release-") || crdGroups.includes(key.split("/").length === 3 ? key.split("/")[0] : ""))
            .map(([key]) => key);
        return [...new Set([...served, ...served.map((k) => k.slice(0, k.lastIndexOf("/")))])].sort();
    }

    check(o: KubeObject): ObjectCheck {
        const id = objectId(o);
        const entry = this.index[`${String(o.apiVersion)}/${String(o.kind)}`];
        if (!entry) {
            const group = String(o.apiVersion).includes("/") ? String(o.apiVersion).split("/")[0] : "";
            if (unschemaedGroups.includes(group)) return { status: "skipped", id, reason: "the reference has no schema for this group" };
            // Neither Kubernetes 1.36 nor a CRD the site installs serves it (a removed API version, a typo).
            return { status: "invalid", id, errors: ["/: no such kind: Kubernetes 1.36 does not serve it and no CRD of the site defines it"] };
        }
        let validate = this.compiled.get(entry.file);
        if (!validate) {
            validate = this.ajv.compile(JSON.parse(readFileSync(join(this.dir, entry.file), "utf8")));
            this.compiled.set(entry.file, validate);
        }
        if (validate(o)) return { status: "valid", id };
        const errors = (validate.errors ?? []).map((e) => {
            const where = e.instancePath || "/";
            const extra = e.keyword === "additionalProperties" ? ` (${String((e.params as { additionalProperty: string }).additionalProperty)})` : "";
            return `${where}: ${e.message ?? e.keyword}${extra}`;
        });
        return { status: "invalid", id, errors: [...new Set(errors)] };
    }
}
