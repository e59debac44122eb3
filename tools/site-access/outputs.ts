// A site's stack outputs, as `pulumi stack output --json --show-secrets` prints them
// (SrcSite.stackOutputs in components/site/index.ts), from a file or the Pulumi CLI: read into a
// typed value, every missing or malformed field named at once, and checked to be the outputs of
// the site whose config the tool read. The one reader of outputs the operator tools share.
import { readFileSync } from "node:fs";
import type { SiteModel } from "../../config/derive";
import { runPulumi, type PulumiRunner } from "./pulumi-cli";
import { SiteInputError } from "./site-config";

export interface RseProtocolOutput {
    readonly scheme: string;
    readonly hostname: string;
    readonly port: number;
    readonly prefix: string;
}

export interface SiteOutputs {
    readonly site: string;
    readonly environment: string;
    /** Service -> hostname, every derived name (services the site does not run included). */
    readonly hostnames: Readonly<Record<string, string>>;
    /** Zone-file lines: "<name>. <ttl> IN <type> <value>". */
    readonly dnsRecords: readonly string[];
    readonly storage: { readonly fqdn: string; readonly webdavUrl: string; readonly areas: readonly { readonly name: string; readonly url: string }[] };
    /** The RSE as registered: a test site's name carries a suffix. */
    readonly rse: { readonly name: string; readonly protocol: RseProtocolOutput; readonly oidcBasePath: string };
    /** namespace: of the site's own Rucio (mode deploy). */
    readonly rucio: { readonly mode: string; readonly serverUrl: string; readonly authUrl: string; readonly namespace?: string };
    /** Only when the site runs JupyterHub. */
    readonly jupyterhub?: { readonly url: string };
    readonly identity?: { readonly clientIds: Readonly<Record<string, string>> };
}

/** Outputs that are not a site's: every problem at once. */
export class OutputsError extends SiteInputError {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function readOutputs(raw: unknown): SiteOutputs {
    const problems: string[] = [];
    const at = (path: string): unknown => path.split(".").reduce<unknown>((v, k) => (isObject(v) ? v[k] : undefined), raw);
    const text = (path: string): string => {
        const v = at(path);
        if (typeof v !== "string" || v === "") problems.push(`${path} is ${v === undefined ? "missing" : "not a string"}`);
        return typeof v === "string" ? v : "";
    };
    const object = (path: string): Json => {
        const v = at(path);
        if (!isObject(v)) problems.push(`${path} is ${v === undefined ? "missing" : "not an object"}`);
        return isObject(v) ? v : {};
    };
    if (!isObject(raw)) throw new OutputsError("the stack outputs are not a JSON object");
    if (Object.keys(raw).length === 0) throw new OutputsError("the stack has no outputs: has it been deployed (pulumi up)?");
    const site = text("site");
    const environment = text("environment");
    const hostnames = object("hostnames");
    for (const [k, v] of Object.entries(hostnames)) if (typeof v !== "string") problems.push(`hostnames.${k} is not a string`);
    const records = at("dnsRecords");
    if (!Array.isArray(records) || records.some((r) => typeof r !== "string")) problems.push("dnsRecords is not a list of strings");
    const areas = at("storage.areas");
    if (!Array.isArray(areas) || areas.some((a) => !isObject(a) || typeof a.name !== "string" || typeof a.url !== "string")) problems.push("storage.areas is not a list of {name, url}");
    const port = at("rse.protocol.port");
    if (typeof port !== "number" || !Number.isInteger(port)) problems.push("rse.protocol.port is not a whole number");
    const jupyterhub = at("jupyterhub");
    if (jupyterhub !== undefined && !(isObject(jupyterhub) && typeof jupyterhub.url === "string")) problems.push("jupyterhub.url is not a string");
    const clientIds = at("identity.clientIds");
    const namespace = at("rucio.namespace");
    if (namespace !== undefined && typeof namespace !== "string") problems.push("rucio.namespace is not a string");
    const outputs: SiteOutputs = {
        site,
        environment,
        hostnames: hostnames as Record<string, string>,
        dnsRecords: Array.isArray(records) ? (records as string[]) : [],
        storage: { fqdn: text("storage.fqdn"), webdavUrl: text("storage.webdavUrl"), areas: Array.isArray(areas) ? (areas as SiteOutputs["storage"]["areas"]) : [] },
        rse: {
            name: text("rse.name"),
            protocol: { scheme: text("rse.protocol.scheme"), hostname: text("rse.protocol.hostname"), port: Number(port), prefix: text("rse.protocol.prefix") },
            oidcBasePath: text("rse.oidcBasePath"),
        },
        rucio: { mode: text("rucio.mode"), serverUrl: text("rucio.serverUrl"), authUrl: text("rucio.authUrl"), ...(typeof namespace === "string" ? { namespace } : {}) },
        ...(isObject(jupyterhub) && typeof jupyterhub.url === "string" ? { jupyterhub: { url: jupyterhub.url } } : {}),
        ...(isObject(clientIds) ? { identity: { clientIds: clientIds as Record<string, string> } } : {}),
    };
    if (problems.length > 0) throw new OutputsError(`the stack outputs are not a site's: ${problems.join("; ")}`);
    return outputs;
}

/** The outputs, when they are of the site whose config the tool read (a stack's outputs and another stack's file are easily mixed). */
export function outputsOfSite(model: Pick<SiteModel, "name">, outputs: SiteOutputs): SiteOutputs {
    if (outputs.site !== model.name) throw new SiteInputError(`the stack outputs are of site ${outputs.site}, the config of site ${model.name}: give the outputs of the same stack`);
    return outputs;
}

function parseOutputs(text: string, where: string): SiteOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new SiteInputError(`${where} is not JSON: ${(err as Error).message}`);
    }
    try {
        return readOutputs(raw);
    } catch (err) {
        if (err instanceof OutputsError) throw new OutputsError(`${where}: ${err.message}`);
        throw err;
    }
}

export type OutputsSource = { readonly file: string } | { readonly stack: string; readonly run: PulumiRunner };

/**
 * The outputs of `model`'s site: from `file` (a saved `pulumi stack output --json`, or a test's),
 * else `pulumi stack output --json --show-secrets --stack <stack>`.
 */
export function loadOutputs(source: OutputsSource, model: Pick<SiteModel, "name">): SiteOutputs {
    if ("file" in source) {
        let text: string;
        try {
            text = readFileSync(source.file, "utf8");
        } catch (err) {
            throw new SiteInputError(`cannot read the outputs file ${source.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        return outputsOfSite(model, parseOutputs(text, source.file));
    }
    const where = `the outputs of stack ${source.stack}`;
    return outputsOfSite(model, parseOutputs(runPulumi(source.run, ["stack", "output", "--json", "--show-secrets", "--stack", source.stack], where), where));
}

export interface DnsRecord {
    /** Without the trailing dot. */
    readonly name: string;
    readonly ttl: number;
    readonly type: string;
    readonly value: string;
}

/** One line of outputs.dnsRecords, "storm.dev.srcnet.example.org. 300 IN A 203.0.113.206" (components/dns). */
export function parseDnsRecord(line: string): DnsRecord | undefined {
    const m = /^(\S+?)\.?\s+(\d+)\s+IN\s+(\S+)\s+(\S+)\s*$/.exec(line);
    return m ? { name: m[1].toLowerCase(), ttl: Number(m[2]), type: m[3].toUpperCase(), value: m[4] } : undefined;
}
