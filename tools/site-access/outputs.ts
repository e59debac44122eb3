// The stack outputs the checks read, as `pulumi stack output --json --show-secrets` prints them
// (SrcSite.stackOutputs in components/site/index.ts): read into a typed value, every missing or
// malformed field named at once.

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
    readonly rse: { readonly name: string; readonly protocol: RseProtocolOutput; readonly oidcBasePath: string };
    readonly rucio: { readonly mode: string; readonly serverUrl: string; readonly authUrl: string };
    /** Only when the site runs JupyterHub. */
    readonly jupyterhub?: { readonly url: string };
    readonly identity?: { readonly clientIds: Readonly<Record<string, string>> };
}

/** Outputs that are not a site's: every problem, one a line. */
export class OutputsError extends Error {}

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
        rucio: { mode: text("rucio.mode"), serverUrl: text("rucio.serverUrl"), authUrl: text("rucio.authUrl") },
        ...(isObject(jupyterhub) && typeof jupyterhub.url === "string" ? { jupyterhub: { url: jupyterhub.url } } : {}),
        ...(isObject(clientIds) ? { identity: { clientIds: clientIds as Record<string, string> } } : {}),
    };
    if (problems.length > 0) throw new OutputsError(`the stack outputs are not a site's: ${problems.join("; ")}`);
    return outputs;
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
