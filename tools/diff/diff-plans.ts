// What `pulumi up` would do to one site, from the plan of the base revision and the plan of the
// change: each resource created, deleted, replaced or updated, why, and whether a production site
// would lose or replace something that holds data. Pure: two plans in, a report out.
import { providerTypePrefix, type RecordedResource } from "../engine/record";
import { isJsonObject, type Json } from "../engine/serialized";
import type { CriticalPath } from "../synth/critical-path";
import type { Plan } from "../synth/plan";
import { atOrUnder, inputChanges, type InputChange } from "./input-changes";
import { readableInputs } from "./readable";
import { dynamicReplacingKeys, forceNewPaths, knowsType, replacedBy } from "./replacement";

export type ChangeKind = "create" | "delete" | "replace" | "update";

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly kind: ChangeKind;
    /** The inputs that changed (update and replace). */
    readonly inputs: readonly InputChange[];
    /** Why it is replaced: the inputs that force it, or the resource whose replacement it follows. */
    readonly because: readonly string[];
    readonly protect?: { readonly before: boolean; readonly after: boolean };
    readonly retainOnDelete?: { readonly before: boolean; readonly after: boolean };
    /** What the provider will do that the kind alone does not say (a resize, a refusal). */
    readonly notes: readonly string[];
    /** Holds data of the site, or was protected or retained before the change. */
    readonly holdsData: boolean;
}

export interface SiteDiff {
    readonly stack: string;
    readonly environment: string;
    readonly status: "new" | "removed" | "changed" | "unchanged";
    readonly changes: readonly ResourceChange[];
    readonly criticalPath: { readonly before?: CriticalPath; readonly after?: CriticalPath };
    /** Why a production site's change needs an approval; empty when it does not. */
    readonly approvals: readonly string[];
    readonly warnings: readonly string[];
}

/**
 * Types whose replacement or deletion loses data, whether or not a config protects them: the
 * storage volume, the claims and volumes on it, the RSE (Rucio's replicas point at it), and
 * Magnum's cluster (the databases' and notebook homes' volumes live in it). A Cluster API cluster
 * is a Helm release; it counts as the resource the program deletes the cluster's contents with.
 */
const dataBearingTypes: ReadonlySet<string> = new Set([
    "openstack:blockstorage/volume:Volume",
    "kubernetes:core/v1:PersistentVolume",
    "kubernetes:core/v1:PersistentVolumeClaim",
    "pulumi-nodejs:dynamic/srcnet:RseRegistration",
    "openstack:containerinfra/cluster:Cluster",
]);

const environmentOf = (plan: Plan | undefined): string | undefined => {
    const outputs = plan?.outputs;
    return isJsonObject(outputs) && typeof outputs.environment === "string" ? outputs.environment : undefined;
};

const counted = (r: RecordedResource) => r.custom;

/** Dynamic providers whose diff declares no stable outputs: an update leaves every output unknown in a preview. */
const dynamicOutputsUnknownOnUpdate = (type: string) => type.startsWith("pulumi-nodejs:dynamic/") && type !== "pulumi-nodejs:dynamic/srcnet:IamClient";

/** Notes from how the provider carries out an in-place change that the kind does not show. */
function providerNotes(type: string, inputs: readonly InputChange[], after: RecordedResource): string[] {
    const notes: string[] = [];
    const at = (path: string) => inputs.find((c) => c.path === path);
    if (type === "openstack:blockstorage/volume:Volume") {
        const size = at("size");
        if (size && typeof size.before === "number" && typeof size.after === "number") {
            // The provider only extends (terraform-provider-openstack@v1.54.1:
            // resource_openstack_blockstorage_volume_v3.go:316-341); Cinder refuses a smaller size.
            if (size.after < size.before) notes.push(`size ${size.before} → ${size.after} GB: a volume cannot shrink; Cinder refuses and \`pulumi up\` fails`);
            else if ((after.inputs as Record<string, Json>)?.enableOnlineResize !== true) notes.push(`size ${size.before} → ${size.after} GB: extended in place; an attached volume needs enableOnlineResize, else \`pulumi up\` fails`);
            else notes.push(`size ${size.before} → ${size.after} GB: extended in place, online`);
        }
    }
    if (type === "pulumi:providers:kubernetes" && inputs.some((c) => c.path === "kubeconfig" && typeof c.after === "string" && c.after.startsWith("[known once"))) {
        // pulumi-kubernetes replaces a provider whose kubeconfig is unknown (provider.go DiffConfig).
        notes.push("`pulumi preview` shows this provider, and everything on it, replaced while its kubeconfig is unknown; `pulumi up` replaces them only if the kubeconfig then names another cluster");
    }
    if (type === "openstack:compute/instance:Instance") {
        // A new flavor resizes the server (resource_openstack_compute_instance_v2.go:455-460 forces
        // a new one only when the old flavor is gone); a new image_id rebuilds it (:1065-1107).
        if (at("flavorName") || at("flavorId")) notes.push("new flavor: the server is resized in place (a reboot)");
        if (at("imageId") || at("imageName")) notes.push("new image: the server is rebuilt in place (its root disk is re-imaged)");
    }
    return notes;
}

interface Verdict {
    readonly kind: ChangeKind | "same";
    readonly inputs: readonly InputChange[];
    readonly because: readonly string[];
}

export function diffPlans(stack: string, base: Plan | undefined, head: Plan | undefined): SiteDiff {
    const environments = { before: environmentOf(base), after: environmentOf(head) };
    const environment = environments.after ?? environments.before ?? "unknown";
    const before = new Map((base?.resources ?? []).filter(counted).map((r) => [r.urn, r]));
    const after = new Map((head?.resources ?? []).filter(counted).map((r) => [r.urn, r]));
    const warnings: string[] = [];
    // Whatever the program deletes other resources with is the cluster they live in: it holds data.
    const holders = new Set([...before.values(), ...after.values()].flatMap((r) => (r.deletedWith ? [r.deletedWith] : [])));
    const holdsData = (r: RecordedResource) => dataBearingTypes.has(r.type) || holders.has(r.urn) || r.protect || r.retainOnDelete;
    if (!head) {
        return {
            stack,
            environment,
            status: "removed",
            changes: [],
            criticalPath: { before: base?.criticalPath },
            approvals: [],
            warnings: ["the stack file is removed: `pulumi up` no longer runs for this site; its resources stay until `pulumi destroy`"],
        };
    }
    // Both synths recorded digests with one key; otherwise masked secrets cannot be told apart.
    const secretsComparable = base?.secretDigests === true && head.secretDigests === true;
    if (base && !secretsComparable) warnings.push(`${base.secretDigests ? "the change's" : "the base revision's"} plan has no secret digests: a changed secret is not shown`);
    const verdicts = new Map<string, Verdict>();
    const verdictOf = (urn: string, seen: Set<string> = new Set()): Verdict => {
        const known = verdicts.get(urn);
        if (known) return known;
        const now = after.get(urn)!;
        const was = before.get(urn);
        if (!was) {
            const v: Verdict = { kind: "create", inputs: [], because: [] };
            verdicts.set(urn, v);
            return v;
        }
        const changes = inputChanges(
            { inputs: readableInputs(was.type, was.inputs), secretDigests: was.secretDigests },
            { inputs: readableInputs(now.type, now.inputs), secretDigests: now.secretDigests },
            secretsComparable,
        );
        const changedPaths = changes.map((c) => c.path);
        const because: string[] = [];
        const dynamic = dynamicReplacingKeys(now.type, was.inputs, now.inputs);
        because.push(...(dynamic ?? replacedBy(forceNewPaths(now.type), changedPaths)));
        because.push(...replacedBy(now.replaceOnChanges ?? [], changedPaths).map((p) => `${p} (replaceOnChanges)`));
        if (was.provider !== now.provider) because.push(`its provider is now ${now.provider}`);
        seen.add(urn);
        // Upstream resources first: what a replaced or new one produces is unknown until it exists.
        const fresh = (dep: string): string | undefined => {
            // `seen` holds the resources being judged further up; a dependency cycle stops there.
            if (!after.has(dep) || (seen.has(dep) && !verdicts.has(dep))) return undefined;
            const kind = verdictOf(dep, seen).kind;
            if (kind === "replace") return "replaced";
            if (kind === "create") return "new";
            // A dynamic resource has no provider-side preview: an update's outputs that are not its
            // inputs are unknown until it runs (@pulumi/pulumi cmd/dynamic-provider/index.js:96-112),
            // unless its diff keeps them stable, as the IAM client's does for its ID and secret.
            if (kind === "update" && dynamicOutputsUnknownOnUpdate(after.get(dep)!.type)) return "updated";
            return undefined;
        };
        if (now.provider) {
            const how = fresh(now.provider);
            if (how === "replaced") because.push(`its provider ${after.get(now.provider)!.name} is replaced`);
        }
        // An input whose value comes from such a resource is a change, and replaces where the
        // provider forces it (the SDK's property dependencies say which inputs carry which resource).
        for (const [input, urns] of Object.entries(now.inputDependencies ?? {})) {
            for (const dep of urns) {
                const how = fresh(dep);
                if (!how) continue;
                const source = `from ${after.get(dep)!.name}, which is ${how}`;
                // An updated dynamic resource's outputs are known again once it has run, before this
                // resource is judged in `pulumi up`: only the preview cannot know them (see the notes).
                const forced = dynamic === undefined && how !== "updated" ? replacedBy(forceNewPaths(now.type), [input]) : [];
                if (forced.length > 0) because.push(`${input} (${source})`);
                if (how !== "updated" && replacedBy(now.replaceOnChanges ?? [], [input]).length > 0) because.push(`${input} (${source}; replaceOnChanges)`);
                if (!changedPaths.some((p) => atOrUnder(p, input))) {
                    const old = (was.inputs as Record<string, Json> | null)?.[input];
                    changes.push({ path: input, secret: false, ...(old === undefined ? {} : { before: old }), after: `[known once ${after.get(dep)!.name} is ${how === "new" ? "made" : how}]` });
                    changedPaths.push(input);
                }
            }
        }
        const kind = because.length > 0 ? "replace" : changes.length > 0 || was.protect !== now.protect || was.retainOnDelete !== now.retainOnDelete ? "update" : "same";
        const v: Verdict = { kind, inputs: changes, because: [...new Set(because)] };
        verdicts.set(urn, v);
        return v;
    };

    const changes: ResourceChange[] = [];
    for (const [urn, now] of after) {
        const v = verdictOf(urn);
        if (v.kind === "same") continue;
        const was = before.get(urn);
        if (!knowsType(now.type) && v.kind !== "create") warnings.push(`${now.type} has no replacement rules here: ${now.name} is shown as updated, but its provider may replace it`);
        changes.push({
            urn,
            type: now.type,
            name: now.name,
            kind: v.kind,
            inputs: v.inputs,
            because: v.because,
            ...(was && was.protect !== now.protect ? { protect: { before: was.protect, after: now.protect } } : {}),
            ...(was && was.retainOnDelete !== now.retainOnDelete ? { retainOnDelete: { before: was.retainOnDelete, after: now.retainOnDelete } } : {}),
            notes: was ? providerNotes(now.type, v.inputs, now) : [],
            holdsData: holdsData(now) || (was !== undefined && holdsData(was)),
        });
    }
    for (const [urn, was] of before) {
        if (after.has(urn)) continue;
        changes.push({
            urn,
            type: was.type,
            name: was.name,
            kind: "delete",
            inputs: [],
            because: [],
            notes: was.retainOnDelete ? ["retained: `pulumi up` drops it from the state and leaves it in the cloud"] : was.protect ? ["protected: `pulumi up` refuses to delete it until it is unprotected"] : [],
            holdsData: holdsData(was),
        });
    }
    changes.sort((a, b) => a.urn.localeCompare(b.urn));
    // A site that was or becomes production is judged as one: a change cannot lower its bar by
    // moving it to test in the same change.
    const wasProduction = environments.before === "production";
    const approvals = wasProduction || environments.after === "production" ? approvalsFor(changes) : [];
    if (wasProduction && environments.after !== "production") approvals.unshift(`the site would no longer be production (environment: ${environments.after ?? "unset"})`);
    const status = !base ? "new" : changes.length > 0 ? "changed" : "unchanged";
    return { stack, environment, status, changes, criticalPath: { before: base?.criticalPath, after: head.criticalPath }, approvals, warnings };
}

/** On a production site: what loses or replaces a resource that holds data, or lowers its protection. */
function approvalsFor(changes: readonly ResourceChange[]): string[] {
    const out: string[] = [];
    for (const c of changes) {
        if (c.type.startsWith(providerTypePrefix)) continue;
        if (c.holdsData && (c.kind === "delete" || c.kind === "replace")) out.push(`${c.name} (${c.type}) would be ${c.kind === "delete" ? "deleted" : "replaced"}`);
        if (c.protect?.before && !c.protect.after) out.push(`${c.name} would no longer be protected`);
        if (c.retainOnDelete?.before && !c.retainOnDelete.after) out.push(`${c.name} would no longer be retained on delete`);
    }
    return out;
}
