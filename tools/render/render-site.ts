// Renders every Helm release a recorded site registers, with its chart, version and values
// exactly as recorded, and validates each rendered object and each Kubernetes object the
// program registers itself against the strict schemas. What `npm run synth -- --render` writes
// and what the tests assert on.
import { yamlText } from "../../components/yaml-text";
import type { RecordedResource } from "../engine/record";
import { helmTemplate, manifestObjects } from "./helm-template";
import { KubeSchemas, type KubeObject, type ObjectCheck } from "./kube-schema";

export const releaseType = "kubernetes:helm.sh/v3:Release";

export interface RenderedRelease {
    readonly resource: RecordedResource;
    readonly chart: string;
    readonly version: string;
    readonly manifest?: string;
    readonly objects: readonly KubeObject[];
}

export interface SiteRender {
    readonly releases: readonly RenderedRelease[];
    /** Every object checked: rendered by helm from a release, or registered by the program; `from` names the resource. */
    readonly checks: readonly (ObjectCheck & { readonly from: string; readonly registered: boolean })[];
    /** Everything that is wrong, one line each: a release helm refused, an object that is invalid. */
    readonly problems: readonly string[];
}

export interface RenderOptions {
    /** The Kubernetes release of the cluster a release is installed in, when known. */
    readonly kubeVersionFor?: (release: RecordedResource) => string | undefined;
    /** The API groups whose CRDs that cluster has (beyond Kubernetes' own); none when not given. */
    readonly crdGroupsFor?: (release: RecordedResource) => readonly string[];
    readonly schemas?: KubeSchemas;
}

/** Objects the program registers through the Kubernetes provider itself (not charts, not providers). */
function isRegisteredObject(r: RecordedResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && r.type !== releaseType;
}

/** A registered object as the API server receives it: its inputs. */
const registeredObject = (r: RecordedResource) => r.inputs as KubeObject;

export function renderSite(resources: readonly RecordedResource[], options: RenderOptions = {}): SiteRender {
    const schemas = options.schemas ?? new KubeSchemas();
    const releases: RenderedRelease[] = [];
    const checks: (ObjectCheck & { from: string; registered: boolean })[] = [];
    const problems: string[] = [];
    const check = (o: KubeObject, from: string, registered = false) => {
        const result = { ...schemas.check(o), from, registered };
        checks.push(result);
        if (result.status === "invalid") problems.push(...result.errors.map((e) => `${from}: ${result.id}: ${e}`));
    };
    for (const r of resources) {
        if (r.type === releaseType) {
            const i = r.inputs as Record<string, any>;
            const rendered = helmTemplate({
                name: String(i.name ?? r.name),
                namespace: String(i.namespace ?? "default"),
                chart: String(i.chart),
                version: String(i.version),
                values: i.values ?? {},
                kubeVersion: options.kubeVersionFor?.(r),
                apiVersions: schemas.apiVersions(options.crdGroupsFor?.(r) ?? []),
            });
            if (!rendered.ok) {
                problems.push(`${r.name}: helm template of ${i.chart} ${i.version} failed: ${rendered.error}`);
                releases.push({ resource: r, chart: String(i.chart), version: String(i.version), objects: [] });
                continue;
            }
            const objects = manifestObjects(rendered.manifest);
            releases.push({ resource: r, chart: String(i.chart), version: String(i.version), manifest: rendered.manifest, objects });
            objects.forEach((o) => check(o, r.name));
        } else if (isRegisteredObject(r)) {
            check(registeredObject(r), r.name, true);
        }
    }
    return { releases, checks, problems };
}

/** A release's objects as one file per object, for reviewers: `<kind>-<namespace>-<name>.yaml`. */
export function manifestFiles(release: RenderedRelease): { file: string; content: string }[] {
    const taken = new Map<string, number>();
    return release.objects.map((o) => {
        const base = [String(o.kind).toLowerCase(), o.metadata?.namespace, o.metadata?.name].filter(Boolean).join("-").replace(/[^A-Za-z0-9._-]/g, "_");
        const n = taken.get(base) ?? 0;
        taken.set(base, n + 1);
        return { file: `${base}${n ? `-${n}` : ""}.yaml`, content: yamlText(o) };
    });
}
