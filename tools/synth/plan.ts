// plan.json: what `pulumi up` would create for a site, as reviewers read it.
import { providerTypePrefix, type Recording, type RecordedResource } from "../engine/record";
import type { Json } from "../engine/serialized";
import { criticalPath, type CriticalPath } from "./critical-path";

export interface Plan {
    readonly project: string;
    readonly stack: string;
    readonly resources: readonly RecordedResource[];
    readonly outputs: Json;
    readonly criticalPath: CriticalPath;
    /** Every resource recorded keyed digests of its secrets (a synth for `npm run diff`). */
    readonly secretDigests?: true;
}

/** Where `npm run diff` hands each synth the key of the digests: the environment, on no command line. */
export const secretDigestKeyEnv = "SRCNET_SECRET_DIGEST_KEY";

export function buildPlan(recording: Recording): Plan {
    return {
        project: recording.project,
        stack: recording.stack,
        resources: recording.resources,
        outputs: recording.outputs ?? null,
        criticalPath: criticalPath(recording.resources),
        ...(recording.secretDigests ? { secretDigests: true as const } : {}),
    };
}

/** Dynamic resources run their own provider code in Pulumi's node host; they take no provider. */
const dynamicTypePrefix = "pulumi-nodejs:dynamic";

/**
 * Custom resources without an explicit provider. Default providers are disabled for this
 * project's packages, so `pulumi up` would refuse each of them.
 */
export function withoutProvider(resources: readonly RecordedResource[]): RecordedResource[] {
    return resources.filter((r) => r.custom && !r.type.startsWith(providerTypePrefix) && !r.type.startsWith(dynamicTypePrefix) && r.provider === null);
}
