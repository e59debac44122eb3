// A manifest rendered from values known only at deploy time (a namespace, a client ID), as the
// arguments of the resource that registers it: one Output per top-level field.
import * as pulumi from "@pulumi/pulumi";

export function fieldsOf<K extends string>(manifest: pulumi.Output<Record<string, unknown>>, keys: readonly K[]): Record<K, pulumi.Output<any>> {
    return Object.fromEntries(keys.map((k) => [k, manifest.apply((m) => m[k])])) as Record<K, pulumi.Output<any>>;
}
