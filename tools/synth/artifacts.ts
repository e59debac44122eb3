// The rendered files a site carries (cloud-init user-data, configs, Helm values), taken from
// the recorded inputs so that reviewers can read them as files. A secret value is never
// written: its file holds the mask only.
import { yamlText } from "../../components/yaml-text";
import type { RecordedResource } from "../engine/record";
import type { Json } from "../engine/serialized";
import { readBundleMetadata } from "../../components/storage/render/config-bundle";

export interface Artifact {
    /** Path under artifacts/: `<resource name>/<file>`. */
    readonly path: string;
    readonly content: string;
}

type Extract = (inputs: { [key: string]: Json }) => { file: string; content: string }[];

// Written for the YAML 1.1 readers that read these files (yamlText quotes what they would misread).
const text = (value: Json) => (typeof value === "string" ? value : yamlText(value));
const withNewline = (s: string) => (s.endsWith("\n") ? s : `${s}\n`);

/** A map of file name to content as files; a map that is secret as a whole is one masked file. */
function filesOf(value: Json | undefined, label: string): { file: string; content: string }[] {
    if (value === undefined || value === null) return [];
    if (typeof value !== "object" || Array.isArray(value)) return [{ file: label, content: text(value) }];
    return Object.entries(value).map(([file, content]) => ({ file, content: text(content) }));
}

/** Files a node receives through its instance metadata (the storage node's bundle), under metadata/. */
function bundleFiles(metadata: Json | undefined): { file: string; content: string }[] {
    if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) return filesOf(metadata, "metadata");
    const bundle = readBundleMetadata(metadata);
    return bundle ? bundle.files.map((f) => ({ file: `metadata${f.path}`, content: f.content })) : [];
}

/** Which inputs of which resource types are rendered files. */
const extractors: Record<string, Extract> = {
    "openstack:compute/instance:Instance": (i) => [...filesOf(i.userData, "user-data"), ...bundleFiles(i.metadata)],
    "kubernetes:helm.sh/v3:Release": (i) => (i.values !== undefined ? [{ file: "values.yaml", content: text(i.values) }] : []),
    "kubernetes:core/v1:ConfigMap": (i) => filesOf(i.data, "data"),
    "kubernetes:core/v1:Secret": (i) => [...filesOf(i.data, "data"), ...filesOf(i.stringData, "stringData")],
};

export function extractArtifacts(resources: readonly RecordedResource[]): Artifact[] {
    const artifacts: Artifact[] = [];
    const taken = new Set<string>();
    for (const r of resources) {
        const extract = extractors[r.type];
        if (!extract || r.inputs === null || typeof r.inputs !== "object" || Array.isArray(r.inputs)) continue;
        // Two resources of different types may share a name; the type then tells them apart.
        const dir = taken.has(r.name) ? `${r.name}.${r.type.split(":").pop()}` : r.name;
        taken.add(dir);
        for (const { file, content } of extract(r.inputs)) {
            artifacts.push({ path: `${dir}/${file}`, content: withNewline(content) });
        }
    }
    return artifacts;
}
