// YAML as the program writes its files and reads its stack files, with js-yaml: the YAML library
// the Pulumi SDK loads already, so it costs the program nothing to load.
//
// Every file written here is read by a YAML 1.1 reader (PyYAML in cloud-init and openstacksdk,
// Go's yaml.v2 behind Helm and Kubernetes, SnakeYAML in StoRM), where a bare yes, on or off is a
// boolean and 0755, 1_000 or 1:30 a number. Such strings are written quoted, so that every reader
// gets the strings that were meant.
import { CORE_SCHEMA, DEFAULT_SCHEMA, Type, dump, load } from "js-yaml";

// The plain scalars that YAML 1.1 resolves to something other than a string (yaml.org/type: bool,
// int, float, null, timestamp, merge, value), the whole list, so that the quoting does not rest on
// which of them js-yaml's own types and compatibility mode happen to cover (they miss 1_000, +.5
// and 1.37.0: its ints take no underscore, its floats need a digit before the point).
const yaml11Scalars = [
    /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
    /^[-+]?(?:0b[0-1_]+|0[0-7_]+|(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    /^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    /^(?:~|null|Null|NULL|)$/,
    /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$/,
    /^(?:<<|=)$/,
];

// Used only when writing: a string this type resolves is ambiguous to a 1.1 reader, so js-yaml
// quotes it. It never represents a value itself (no predicate), and is never used to read.
const yaml11Ambiguous = new Type("tag:srcnet-site,2026:yaml11-non-string", {
    kind: "scalar",
    resolve: (data: unknown) => typeof data === "string" && yaml11Scalars.some((pattern) => pattern.test(data)),
});
const writeSchema = DEFAULT_SCHEMA.extend({ implicit: [yaml11Ambiguous] });

/**
 * A value as YAML text for a 1.1 reader: no line folding (a long line stays one line, as a diff
 * reads best), no anchors (every reader sees each value written out), undefined keys left out.
 */
export function yamlText(value: unknown): string {
    return dump(value, { schema: writeSchema, lineWidth: -1, noRefs: true, skipInvalid: true, quotingType: "\"" });
}

/**
 * YAML text (one document) as a value: a stack file, a kubeconfig, a clouds.yaml. With the core
 * schema, so that an unquoted date stays the string it is to the Pulumi CLI (Go's yaml.v3 into
 * interface{}), not a Date (js-yaml's default schema has timestamps).
 */
export function parseYaml(text: string): unknown {
    return load(text, { schema: CORE_SCHEMA });
}
