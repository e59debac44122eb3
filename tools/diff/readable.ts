// Inputs as a reviewer should compare them: the storage node's configuration bundle, which the
// program splits into 255-character metadata chunks, read back into files by path.
import { digestKey, readBundleMetadata } from "../../components/storage/render/config-bundle";
import { isJsonObject as isObject, type Json } from "../engine/serialized";

/** Where the bundle appears in the readable inputs, instead of its chunks. */
const bundleKey = "[storage configuration]";

export function readableInputs(type: string, inputs: Json): Json {
    if (type !== "openstack:compute/instance:Instance" || !isObject(inputs) || !isObject(inputs.metadata)) return inputs;
    let bundle;
    try {
        bundle = readBundleMetadata(inputs.metadata);
    } catch {
        return inputs; // chunks that do not join into JSON are compared as they are
    }
    if (!bundle) return inputs;
    const rest = Object.fromEntries(Object.entries(inputs.metadata).filter(([k]) => k !== digestKey && !readBundleMetadata({ [k]: "{}" })));
    const files = Object.fromEntries(bundle.files.map((f) => [f.path, { content: f.content, mode: f.mode, owner: f.owner, ...(f.then ? { then: f.then } : {}) }]));
    const directories = Object.fromEntries(bundle.directories.map((d) => [d.path, `${d.mode} ${d.owner}`]));
    return { ...inputs, metadata: { ...rest, [bundleKey]: { directories, files, prune: bundle.prune as unknown as Json, actions: bundle.actions as unknown as Json } } };
}
