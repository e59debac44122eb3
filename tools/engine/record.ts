// The recording engine: runs a Pulumi program in this process under Pulumi's mock monitor and
// keeps every RegisterResourceRequest it sends, which is exactly what `pulumi up` would act on.
// No CLI, no plugins, no credentials. Shared by the synth and the tests.
import * as pulumi from "@pulumi/pulumi";
import { deserializeProperty } from "@pulumi/pulumi/runtime/rpc";
import { dirname } from "node:path";
import { readSerialized, secretDigests, type Json } from "./serialized";
import { recordingHttp, recordingMocks, type InvokeResult } from "./mocks";
import { cloudHttpHook, type CloudHttpOverride } from "../../components/site/cloud-http";

export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
    /** URN of the explicit provider, or null (components, providers, and the stack). */
    readonly provider: string | null;
    readonly custom: boolean;
    /** Inputs as sent, secrets masked. */
    readonly inputs: Json;
    /** Resources this one waits for, explicitly and through its inputs. */
    readonly dependsOn: readonly string[];
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    readonly deletedWith?: string;
    /** Replaced by deleting first (a volume or port that only one VM can hold). */
    readonly deleteBeforeReplace?: boolean;
    readonly ignoreChanges?: readonly string[];
    readonly replaceOnChanges?: readonly string[];
    /** Keyed digests of the secret inputs by path; only when the recording was asked for them. */
    readonly secretDigests?: Readonly<Record<string, string>>;
    /** The resources each top-level input's value comes from (the SDK's property dependencies). */
    readonly inputDependencies?: Readonly<Record<string, readonly string[]>>;
}

export interface Recording {
    readonly project: string;
    readonly stack: string;
    /** Sorted by URN, so that the same site always records the same way. */
    readonly resources: readonly RecordedResource[];
    /** Stack outputs, secrets masked; undefined when the program failed. */
    readonly outputs: Json | undefined;
    /** What the program threw, if it failed (an invalid config, for one). */
    readonly error?: unknown;
    /** Set when every resource recorded keyed digests of its secrets (`secretDigestKey`). */
    readonly secretDigests?: true;
}

export interface RecordOptions {
    readonly project: string;
    readonly stack: string;
    /** Config as the CLI hands it to a program: fully qualified keys, string values (objects as JSON). */
    readonly config: Readonly<Record<string, string>>;
    /** Keys whose values are secret. */
    readonly secretKeys: readonly string[];
    /** Invoke results to use instead of the engine's (tests: a lookup that fails). */
    readonly invokes?: Readonly<Record<string, InvokeResult>>;
    /** Answers to the program's own HTTPS requests before the engine's (undefined: the engine answers). */
    readonly http?: CloudHttpOverride;
    /** When given, each resource records keyed digests of its secret inputs (`npm run diff` compares them). */
    readonly secretDigestKey?: string;
}

/** Type token of the root resource every stack has. */
export const stackType = "pulumi:pulumi:Stack";

/** Type tokens of provider resources start with this. */
export const providerTypePrefix = "pulumi:providers:";

/** The part of a provider reference (`<urn>::<id>`) that names the provider. */
function providerUrn(reference: string): string | null {
    if (!reference) return null;
    const cut = reference.lastIndexOf("::");
    return cut > 0 ? reference.slice(0, cut) : reference;
}

// The protobuf request the SDK sends; only what is read here is typed.
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getImportid(): string;
    getDependenciesList(): string[];
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getDeletedwith(): string;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAdditionalsecretoutputsList(): string[];
    getReplaceonchangesList(): string[];
    getPropertydependenciesMap(): { forEach(callback: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}
interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): unknown } | undefined;
}
type Callback = (err: unknown, response: unknown) => void;
interface RecordableMonitor {
    /** The mock monitor's own table, which registerResourceOutputs and reads look up. */
    resources: Map<string, { urn: string; id: string | null; state: unknown }>;
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: RegisterRequest, callback: Callback): unknown;
    registerResourceOutputs(req: OutputsRequest, callback: Callback): unknown;
}

/**
 * URNs as the Pulumi engine forms them: the parent's type chain qualifies the child's type, and
 * the stack itself is left out of the chain. (The mock monitor keeps only the last parent type.)
 */
function urnOf(project: string, stack: string, parent: string, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2] : stackType;
    const qualified = parentType === stackType ? type : `${parentType}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/** What a dynamic resource's provider code input shows in a plan: the code is noise to a reviewer. */
const providerCodeMask = "[dynamic provider code]";

/** google-protobuf's Struct, the very module the SDK builds requests with (a dependency of the SDK, not of this project). */
interface StructMessage {
    toJavaScript(): Record<string, unknown>;
    getFieldsMap(): unknown;
}
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [dirname(require.resolve("@pulumi/pulumi"))] })) as {
    Struct: { new (): StructMessage; fromJavaScript(value: Record<string, unknown>): StructMessage; prototype: StructMessage };
};

/** The plain properties each Struct stands for, while the engine records. */
const structSources = new WeakMap<object, Record<string, unknown>>();

/**
 * Struct as the SDK uses it in this process, while the engine records: the SDK builds a Struct
 * from plain properties (each resource's inputs, each answer's state, each invoke's arguments)
 * only for a reader in the same process to turn it back into those properties. Here a Struct is
 * an empty message that stands for its properties, which toJavaScript returns as they are; the
 * few readers of single fields get the converted message on first use.
 */
function recordingStructs(): () => void {
    const { fromJavaScript } = Struct;
    const { toJavaScript, getFieldsMap } = Struct.prototype;
    Struct.fromJavaScript = (value) => {
        const struct = new Struct();
        structSources.set(struct, value);
        return struct;
    };
    Struct.prototype.toJavaScript = function (this: StructMessage) {
        return structSources.get(this) ?? toJavaScript.call(this);
    };
    Struct.prototype.getFieldsMap = function (this: StructMessage) {
        const source = structSources.get(this);
        return source === undefined ? getFieldsMap.call(this) : getFieldsMap.call(fromJavaScript.call(Struct, source));
    };
    return () => {
        Struct.fromJavaScript = fromJavaScript;
        Object.assign(Struct.prototype, { toJavaScript, getFieldsMap });
    };
}

/** What the SDK reads of a registration's answer (runtime/resource.js); Result 0 is SUCCESS. */
interface RegisterAnswer {
    getUrn(): string;
    getId(): string;
    getObject(): { toJavaScript(): Record<string, unknown> };
    getPropertydependenciesMap(): undefined;
    getResult(): number;
}

/** The keys of an object whose values, mapped, are defined (the wire form has no undefined). */
function definedOnly(obj: Record<string, unknown>, map: (value: unknown) => unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(obj)) {
        const value = map(obj[key]);
        if (value !== undefined) out[key] = value;
    }
    return out;
}

function toRecord(req: RegisterRequest, project: string, stack: string, inputs: unknown, secretDigestKey: string | undefined): RecordedResource {
    const type = req.getType();
    const urn = urnOf(project, stack, req.getParent(), type, req.getName());
    const ignoreChanges = req.getIgnorechangesList();
    const replaceOnChanges = req.getReplaceonchangesList();
    return {
        urn,
        type,
        name: req.getName(),
        parent: req.getParent() || null,
        provider: providerUrn(req.getProvider()),
        custom: req.getCustom(),
        inputs: readSerialized(inputs),
        dependsOn: [...new Set(req.getDependenciesList())].sort(),
        protect: req.getProtect() ?? false,
        retainOnDelete: req.getRetainondelete() ?? false,
        ...(req.getDeletedwith() ? { deletedWith: req.getDeletedwith() } : {}),
        ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
        ...(ignoreChanges.length ? { ignoreChanges } : {}),
        ...(replaceOnChanges.length ? { replaceOnChanges } : {}),
        ...(secretDigestKey !== undefined ? digestsOf(inputs, secretDigestKey) : {}),
        ...inputDependenciesOf(req),
    };
}

function inputDependenciesOf(req: RegisterRequest): { inputDependencies?: Record<string, string[]> } {
    const out: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        const urns = [...new Set(deps.getUrnsList())].sort();
        if (urns.length > 0) out[key] = urns;
    });
    const keys = Object.keys(out).sort();
    return keys.length > 0 ? { inputDependencies: Object.fromEntries(keys.map((k) => [k, out[k]])) } : {};
}

function digestsOf(inputs: unknown, key: string): { secretDigests?: Record<string, string> } {
    const digests = secretDigests(inputs, key);
    return Object.keys(digests).length > 0 ? { secretDigests: digests } : {};
}

// The runtime is process-global: recordings run one after another.
let running: Promise<unknown> = Promise.resolve();

/** Runs `program` as a stack and records what it registers. Never throws for a failing program. */
export function recordProgram(program: () => unknown, options: RecordOptions): Promise<Recording> {
    const next = running.then(() => recordOnce(program, options));
    running = next.catch(() => undefined);
    return next;
}

async function recordOnce(program: () => unknown, options: RecordOptions): Promise<Recording> {
    const { project, stack } = options;
    pulumi.runtime.setAllConfig({ ...options.config }, [...options.secretKeys]);
    // Which outputs each resource declares secret (additionalSecretOutputs), for the mocks to honour.
    const secretOutputs = new Map<string, readonly string[]>();
    const mocks = recordingMocks(options.invokes, (type, name) => secretOutputs.get(`${type}::${name}`) ?? []);
    await pulumi.runtime.setMocks(mocks, project, stack, false);

    const monitor = pulumi.runtime.getMonitor() as unknown as RecordableMonitor;
    monitor.newUrn = (parent, type, name) => urnOf(project, stack, parent, type, name);
    const resources: RecordedResource[] = [];
    let outputs: Json | undefined;
    // The engine answers registrations itself, as the SDK's mock monitor would, but reads each
    // request's properties once for both the record and the mocks, and answers with the state as
    // it is (the monitor converts the request again, and the state it echoes twice more): most of
    // a recording went to converting protobuf Structs.
    monitor.registerResource = (req, callback) => {
        const inputs = req.getObject()?.toJavaScript() ?? {};
        resources.push(toRecord(req, project, stack, inputs, options.secretDigestKey));
        secretOutputs.set(`${req.getType()}::${req.getName()}`, req.getAdditionalsecretoutputsList());
        Promise.resolve()
            .then(() =>
                mocks.newResource({
                    type: req.getType(),
                    name: req.getName(),
                    inputs: definedOnly(inputs, deserializeProperty),
                    provider: req.getProvider(),
                    custom: req.getCustom(),
                    id: req.getImportid(),
                }),
            )
            .then((result) => {
                const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
                const state = definedOnly(result.state, (v) => v);
                monitor.resources.set(urn, { urn, id: result.id ?? null, state });
                // In the process, as the SDK's own stand-in answers are: the state needs no trip
                // through a protobuf Struct to be read back.
                const response: RegisterAnswer = {
                    getUrn: () => urn,
                    getId: () => result.id || "",
                    getObject: () => ({ toJavaScript: () => state }),
                    getPropertydependenciesMap: () => undefined,
                    getResult: () => 0,
                };
                callback(null, response);
            })
            .catch((err: unknown) => callback(err, undefined));
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
        if (req.getUrn().split("::")[2] === stackType) {
            outputs = readSerialized(req.getOutputs()?.toJavaScript() ?? {});
        }
        return registerOutputs(req, callback);
    };

    // Dynamic resources carry their provider's code, serialized by parsing its source: the slowest
    // part of a recording, for an input plan.json masks anyway. test/dynamic-providers checks that
    // the real serialization works. The SDK loads the serializer with itself (runtime/index.js:19)
    // and looks it up at each call (dynamic/index.js:49-50), so replacing its export is enough.
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: unknown };
    const serializeFunction = closure.serializeFunction;
    closure.serializeFunction = async () => ({ text: providerCodeMask, exportName: "handler", containsSecrets: false });

    const restoreStructs = recordingStructs();

    const global = globalThis as Record<symbol, unknown>;
    global[cloudHttpHook] = recordingHttp(options.http);

    let error: unknown;
    // A failing program also rejects promises nobody awaits (the stack's own outputs); the CLI's
    // language host absorbs those, and so does the engine while it records.
    const absorb = (reason: unknown) => void (error ??= reason);
    process.on("unhandledRejection", absorb);
    // The SDK wraps every promise it makes (thousands: four per output property of every
    // resource) to report, at exit, the ones a program left pending, with a stack trace each. The
    // engine makes no such report, and that bookkeeping was the largest part of a recording's
    // time: it is left out unless SRCNET_DEBUG asks for the SDK's report. One frame of stack
    // still says where an error was thrown.
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
    const debuggablePromise = debuggable.debuggablePromise;
    if (!process.env.SRCNET_DEBUG) debuggable.debuggablePromise = (p) => p;
    // Each resource also captures the whole stack it was created from, for the CLI to show where
    // it is declared; the engine records no such thing.
    const resourceClass = pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] };
    const stackTrace = resourceClass.stackTrace;
    if (!process.env.SRCNET_DEBUG) resourceClass.stackTrace = () => [];
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1;
    try {
        await pulumi.runtime.runInPulumiStack(async () => program());
    } catch (err) {
        error ??= err;
    }
    await pulumi.runtime.disconnect().catch(absorb);
    Error.stackTraceLimit = stackTraceLimit;
    debuggable.debuggablePromise = debuggablePromise;
    resourceClass.stackTrace = stackTrace;
    closure.serializeFunction = serializeFunction;
    delete global[cloudHttpHook];
    restoreStructs();
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", absorb);
    return {
        project,
        stack,
        resources: resources.sort((a, b) => a.urn.localeCompare(b.urn)),
        outputs: error === undefined ? outputs : undefined,
        ...(error === undefined ? {} : { error }),
        ...(options.secretDigestKey !== undefined ? { secretDigests: true as const } : {}),
    };
}
