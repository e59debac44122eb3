// RseRegistration: the site's RSE in Rucio as a Pulumi resource (a dynamic provider over Rucio's
// REST API). It makes Rucio hold what the site config says (the RSE, its protocol, attributes,
// distances, account limits and scopes) and notices when Rucio no longer does.

import * as pulumi from "@pulumi/pulumi";
import { canonicalAttribute, missingAccounts, planRseOps, replacingChanges, type ObservedAccount, type ObservedDistance, type ObservedRse, type PlannedOp } from "./rse-drift";
import {
    accountScopes,
    accountStatus,
    addAccount,
    addProtocol,
    addRse,
    addScope,
    defaultRetry,
    deleteAttribute,
    deleteDistance,
    deleteLocalLimit,
    deleteProtocol,
    deleteRse,
    getDistance,
    getLocalLimit,
    getRse,
    listAttributes,
    listProtocols,
    notEmptyError,
    rseUsedBytes,
    rucioSession,
    rucioToken,
    setAttribute,
    setDistance,
    setLocalLimit,
    updateProtocol,
    updateRse,
    type RetryPolicy,
    type RucioProtocol,
    type RucioSession,
} from "./rucio-api";

/** Priorities per operation: 1 is the first choice, 0 means "not through this protocol". */
export interface RseProtocolDomains {
    readonly lan: { readonly read: number; readonly write: number; readonly delete: number };
    readonly wan: { readonly read: number; readonly write: number; readonly delete: number; readonly third_party_copy_read: number; readonly third_party_copy_write: number };
}

export interface RseProtocolSpec {
    readonly scheme: string;
    readonly hostname: string;
    readonly port: number;
    readonly prefix: string;
    readonly impl: string;
    readonly domains: RseProtocolDomains;
    readonly extendedAttributes?: Record<string, unknown>;
}

export interface RseAccountSpec {
    readonly account: string;
    /** The account's limit on this RSE in bytes; -1 is no limit. */
    readonly bytes: number;
    /** Scopes the account must have. */
    readonly scopes: readonly string[];
    /** Rucio wants an email for an account it creates (createAccounts); defaults to <account>@<the protocol's hostname>. */
    readonly email?: string;
}

export interface RseSpec {
    /** Identifies the RSE: Rucio never gives a deleted RSE's name to a new one. */
    readonly name: string;
    readonly deterministic: boolean;
    readonly rseType: "DISK" | "TAPE";
    readonly volatile?: boolean;
    readonly protocol: RseProtocolSpec;
    readonly attributes: Readonly<Record<string, string | number | boolean>>;
    /** Distance set in both directions, to and from each peer. */
    readonly peers: readonly { readonly rse: string; readonly distance: number }[];
    readonly accounts: readonly RseAccountSpec[];
    /**
     * True when the site runs its own Rucio (root's credentials): missing accounts are created,
     * as SERVICE accounts. False: a missing account is an error naming it.
     */
    readonly createAccounts: boolean;
}

export type RucioAuth =
    | { readonly method: "userpass"; readonly account: string; readonly username: string; readonly password: string }
    | {
          readonly method: "oidc";
          /** The IAM that issues the token (client_credentials grant at the token endpoint its discovery names). */
          readonly issuer: string;
          readonly clientId: string;
          readonly clientSecret: string;
          readonly scope?: string;
          readonly audience?: string;
          /** The Rucio account the token's identity maps to, checked when given. */
          readonly account?: string;
      };

export interface RucioServerSpec {
    readonly serverUrl: string;
    readonly authUrl: string;
    /** PEM certificates of a private or staging CA, trusted in addition to the public roots. */
    readonly caCertificates?: readonly string[];
}

export interface RseRegistrationInputs {
    readonly server: RucioServerSpec;
    readonly auth: RucioAuth;
    readonly rse: RseSpec;
    /** How long one operation may keep retrying before it fails, and how long one attempt may take. */
    readonly deadlineSeconds: number;
    readonly attemptTimeoutSeconds: number;
}

// ---- The provider ---------------------------------------------------------------------------

/** What the site created in Rucio besides the RSE: what delete may remove, and a record of the rest. */
export interface RseCreated {
    /** Accounts made because they were missing (createAccounts). */
    readonly accounts: readonly string[];
    /** Scopes given to accounts. */
    readonly scopes: readonly { readonly account: string; readonly scope: string }[];
    /** Accounts whose limit on the RSE the site set. */
    readonly limits: readonly string[];
    /** Distances the site set, each direction on its own. */
    readonly distances: readonly { readonly from: string; readonly to: string }[];
}

export interface RseRegistrationOutputs extends RseRegistrationInputs {
    /** What Rucio held after the last create, update or read. */
    readonly observed: ObservedRse;
    readonly created: RseCreated;
}

const policyOf = (inputs: RseRegistrationInputs): RetryPolicy => ({ ...defaultRetry, deadlineMs: inputs.deadlineSeconds * 1000, attemptTimeoutMs: inputs.attemptTimeoutSeconds * 1000 });

const sessionOf = (inputs: RseRegistrationInputs): RucioSession => rucioSession(inputs.server, inputs.auth, policyOf(inputs));

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];

function toRucioProtocol(p: RseProtocolSpec): RucioProtocol {
    return { scheme: p.scheme, hostname: p.hostname, port: p.port, prefix: p.prefix, impl: p.impl, domains: p.domains, ...(p.extendedAttributes !== undefined ? { extended_attributes: p.extendedAttributes } : {}) };
}

function fromRucioProtocol(p: RucioProtocol): RseProtocolSpec {
    const ext = p.extended_attributes;
    return {
        scheme: p.scheme,
        hostname: p.hostname,
        port: Number(p.port),
        prefix: p.prefix ?? "",
        impl: p.impl,
        domains: p.domains as unknown as RseProtocolSpec["domains"],
        ...(ext !== null && ext !== undefined ? { extendedAttributes: ext as Record<string, unknown> } : {}),
    };
}

/**
 * What Rucio holds of everything `specs` name (the spec asked for, and for an update the one
 * before it, whose leftovers are removed), or undefined when the RSE is gone. Also what the
 * post-deploy checks compare with the plan (tools/smoke/rucio.ts).
 */
export async function observeRse(s: RucioSession, name: string, specs: readonly RseSpec[]): Promise<ObservedRse | undefined> {
    const props = await getRse(s, name);
    if (!props) return undefined;
    const schemes = unique(specs.map((sp) => sp.protocol.scheme));
    const protocols = (await listProtocols(s, name)).filter((p) => schemes.includes(p.scheme)).map(fromRucioProtocol);
    const held = await listAttributes(s, name);
    const attributes: Record<string, string> = {};
    for (const key of unique(specs.flatMap((sp) => Object.keys(sp.attributes)))) {
        if (held[key] !== undefined && held[key] !== null) attributes[key] = canonicalAttribute(held[key]);
    }
    const distances: ObservedDistance[] = [];
    for (const peer of unique(specs.flatMap((sp) => sp.peers.map((p) => p.rse)))) {
        distances.push({ peer, to: await getDistance(s, name, peer), from: await getDistance(s, peer, name) });
    }
    const accounts: ObservedAccount[] = [];
    for (const account of unique(specs.flatMap((sp) => sp.accounts.map((a) => a.account)))) {
        const status = await accountStatus(s, account);
        const exists = status !== undefined && status !== "DELETED";
        accounts.push({ account, exists, limit: exists ? await getLocalLimit(s, account, name) : undefined, scopes: exists ? ((await accountScopes(s, account)) ?? []) : [] });
    }
    return { deterministic: props.deterministic, rseType: props.rseType, volatile: props.volatile, protocols, attributes, distances, accounts };
}

/** Refusals that must come before anything is made or changed: unknown peers and accounts. */
async function preflight(s: RucioSession, spec: RseSpec): Promise<void> {
    const where = s.server.serverUrl;
    const missingPeers: string[] = [];
    for (const peer of spec.peers) {
        if (peer.rse === spec.name) throw new Error(`RSE ${spec.name} lists itself as a peer; a peer is another RSE`);
        if (!(await getRse(s, peer.rse))) missingPeers.push(peer.rse);
    }
    if (missingPeers.length > 0) {
        throw new Error(`the peer RSE${missingPeers.length > 1 ? "s" : ""} ${missingPeers.join(", ")} of ${spec.name} ${missingPeers.length > 1 ? "do" : "does"} not exist in Rucio at ${where}; nothing was changed. Check the peer names in the site config (RSE names are upper case) or have the peers registered first`);
    }
    const deleted: string[] = [];
    const accounts: ObservedAccount[] = [];
    for (const a of spec.accounts) {
        const status = await accountStatus(s, a.account);
        if (status === "DELETED") deleted.push(a.account);
        accounts.push({ account: a.account, exists: status !== undefined && status !== "DELETED", scopes: [] });
    }
    if (deleted.length > 0) {
        throw new Error(`the Rucio account${deleted.length > 1 ? "s" : ""} ${deleted.join(", ")} at ${where} ${deleted.length > 1 ? "were" : "was"} deleted; Rucio never reuses an account's name: name another account in the site config`);
    }
    const missing = missingAccounts(spec, { accounts });
    if (missing.length > 0) {
        throw new Error(
            `the Rucio account${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ${missing.length > 1 ? "do" : "does"} not exist in Rucio at ${where}; nothing was changed. A central Rucio's administrators create accounts: ask them for ${missing.join(", ")}, or remove ${missing.length > 1 ? "them" : "it"} from the site config`,
        );
    }
}

/**
 * POST /rses/{rse}. A 409 is a name Rucio has: an RSE made by an earlier attempt whose answer was
 * lost (or made for the site by someone else), adopted when it is what the site asks for; or the
 * name of a deleted RSE (409 on create and 404 on read), which Rucio never gives again.
 */
async function ensureRse(s: RucioSession, spec: RseSpec): Promise<void> {
    const props = { deterministic: spec.deterministic, rseType: spec.rseType, volatile: spec.volatile ?? false };
    if (await addRse(s, spec.name, props)) return;
    const existing = await getRse(s, spec.name);
    if (!existing) {
        throw new Error(`Rucio at ${s.server.serverUrl} refuses the name ${spec.name}: an RSE of that name was deleted, and Rucio never gives a deleted RSE's name to a new one. Choose another RSE name in the site config`);
    }
    if (existing.deterministic !== spec.deterministic || existing.rseType !== spec.rseType) {
        throw new Error(
            `RSE ${spec.name} already exists in Rucio at ${s.server.serverUrl} with deterministic=${existing.deterministic} and type ${existing.rseType}; the site asks for deterministic=${spec.deterministic} and type ${spec.rseType}. It is not taken over: a different RSE needs a new name (Rucio never gives a deleted RSE's name to a new one)`,
        );
    }
}

const emptyCreated: RseCreated = { accounts: [], scopes: [], limits: [], distances: [] };

/** Runs the planned operations in order; what they made is added to `created`. */
async function applyOps(s: RucioSession, spec: RseSpec, planned: readonly PlannedOp[], created: RseCreated): Promise<RseCreated> {
    const name = spec.name;
    let accounts = [...created.accounts];
    let scopes = [...created.scopes];
    let limits = [...created.limits];
    let distances = [...created.distances];
    for (const { op, why } of planned) {
        try {
            switch (op.op) {
                case "updateRse":
                    await updateRse(s, name, op.changes);
                    break;
                case "deleteProtocol":
                    await deleteProtocol(s, name, op.protocol);
                    break;
                case "addProtocol":
                    // Made already (a repeated request whose first answer was lost): set it as asked.
                    if (!(await addProtocol(s, name, toRucioProtocol(op.protocol)))) await updateProtocol(s, name, toRucioProtocol(op.protocol));
                    break;
                case "updateProtocol":
                    if (!(await updateProtocol(s, name, toRucioProtocol(op.protocol)))) {
                        // Rucio refused the priorities as an update; as a new protocol it takes them.
                        await deleteProtocol(s, name, op.protocol);
                        await addProtocol(s, name, toRucioProtocol(op.protocol));
                    }
                    break;
                case "setAttribute":
                    await setAttribute(s, name, op.key, op.value);
                    break;
                case "deleteAttribute":
                    await deleteAttribute(s, name, op.key);
                    break;
                case "setDistance":
                    await setDistance(s, op.from, op.to, op.distance, op.exists);
                    if (!distances.some((d) => d.from === op.from && d.to === op.to)) distances.push({ from: op.from, to: op.to });
                    break;
                case "deleteDistance":
                    await deleteDistance(s, op.from, op.to);
                    distances = distances.filter((d) => !(d.from === op.from && d.to === op.to));
                    break;
                case "addAccount":
                    // It was missing when looked at: a 409 now is this request's own earlier attempt.
                    await addAccount(s, op.account, "SERVICE", op.email);
                    if (!accounts.includes(op.account)) accounts.push(op.account);
                    break;
                case "addScope":
                    if (!(await addScope(s, op.account, op.scope)) && !((await accountScopes(s, op.account)) ?? []).includes(op.scope)) {
                        throw new Error(`scope ${op.scope} exists in Rucio and belongs to another account; a scope has one owner. Name another scope for ${op.account} in the site config`);
                    }
                    if (!scopes.some((x) => x.account === op.account && x.scope === op.scope)) scopes.push({ account: op.account, scope: op.scope });
                    break;
                case "setLimit":
                    await setLocalLimit(s, op.account, name, op.bytes);
                    if (!limits.includes(op.account)) limits.push(op.account);
                    break;
                case "deleteLimit":
                    await deleteLocalLimit(s, op.account, name);
                    limits = limits.filter((a) => a !== op.account);
                    break;
            }
        } catch (err) {
            throw new Error(`RSE ${name}: ${(err as Error).message} (needed because ${why})`);
        }
    }
    return { accounts: unique(accounts), scopes, limits, distances };
}

/** Makes Rucio hold `spec`, then checks that it does; the outputs say what it holds. */
async function converge(s: RucioSession, spec: RseSpec, before: RseSpec | undefined, created: RseCreated): Promise<{ observed: ObservedRse; created: RseCreated }> {
    const gone = () => new Error(`RSE ${spec.name} is gone from Rucio at ${s.server.serverUrl} (deleted behind the program's back?); run pulumi refresh. Rucio never gives a deleted RSE's name to a new one: registering it again needs a new RSE name`);
    const have = await observeRse(s, spec.name, before ? [spec, before] : [spec]);
    if (!have) throw gone();
    const made = await applyOps(s, spec, planRseOps(spec, have, before), created);
    const observed = await observeRse(s, spec.name, [spec]);
    if (!observed) throw gone();
    const left = planRseOps(spec, observed);
    if (left.length > 0) throw new Error(`RSE ${spec.name}: Rucio at ${s.server.serverUrl} did not keep what was set: ${left.map((o) => o.why).join("; ")}`);
    return { observed, created: made };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export const rseRegistrationProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RseRegistrationInputs) {
        const s = sessionOf(inputs);
        const spec = inputs.rse;
        // A wrong login fails here, before anything else.
        await rucioToken(s);
        await preflight(s, spec);
        await ensureRse(s, spec);
        const { observed, created } = await converge(s, spec, undefined, emptyCreated);
        const outs: RseRegistrationOutputs = { ...inputs, observed, created };
        return { id: spec.name, outs };
    },

    async read(id: string, props: RseRegistrationOutputs) {
        const observed = await observeRse(sessionOf(props), id, [props.rse]);
        // Gone from Rucio: the resource is gone (and its name cannot be registered again).
        if (!observed) return { id: undefined, props: {} };
        return { id, props: { ...props, observed } };
    },

    async diff(_id: string, olds: RseRegistrationOutputs, news: RseRegistrationInputs) {
        const replaces = replacingChanges(olds.rse, news.rse);
        const drift = planRseOps(news.rse, olds.observed, olds.rse);
        const settings = !sameJson(olds.server, news.server) || !sameJson(olds.auth, news.auth) || olds.deadlineSeconds !== news.deadlineSeconds || olds.attemptTimeoutSeconds !== news.attemptTimeoutSeconds;
        return {
            changes: replaces.length > 0 || drift.length > 0 || settings,
            replaces,
            // The new RSE is made first: a failure to make it leaves the old one as it was.
            deleteBeforeReplace: false,
        };
    },

    async update(id: string, olds: RseRegistrationOutputs, news: RseRegistrationInputs) {
        const s = sessionOf(news);
        await rucioToken(s);
        await preflight(s, news.rse);
        const { observed, created } = await converge(s, { ...news.rse, name: id }, olds.rse, olds.created);
        const outs: RseRegistrationOutputs = { ...news, observed, created };
        return { outs };
    },

    async delete(id: string, props: RseRegistrationOutputs) {
        const s = sessionOf(props);
        await rucioToken(s);
        // An RSE already gone is fine.
        if (!(await getRse(s, id))) return;
        // Refused before anything is removed: Rucio deletes no RSE that holds data (del_rse,
        // rucio@40.4.1:lib/rucio/core/rse.py:547-548); it would refuse at the end, with the RSE half taken apart.
        const used = await rseUsedBytes(s, id);
        if (used > 0) throw notEmptyError(id, `Rucio counts ${used} bytes of replicas on it`);
        const created = props.created;
        const pairs = [...created.distances, ...props.rse.peers.flatMap((p) => [{ from: id, to: p.rse }, { from: p.rse, to: id }])];
        const done = new Set<string>();
        for (const d of pairs) {
            const key = `${d.from}>${d.to}`;
            if (done.has(key) || (d.from !== id && d.to !== id)) continue;
            done.add(key);
            await deleteDistance(s, d.from, d.to);
        }
        for (const account of unique(created.limits)) await deleteLocalLimit(s, account, id);
        await deleteProtocol(s, id, props.rse.protocol);
        await deleteRse(s, id);
        // Accounts and scopes stay. Rucio has no API that deletes a scope, and a deleted account
        // keeps its name (a new one of that name is refused, 409) and its scopes: removing an
        // account the site made would only burn its name. created.accounts records them.
    },
};

export interface RseRegistrationArgs {
    readonly server: pulumi.Input<RucioServerSpec>;
    readonly auth: pulumi.Input<RucioAuth>;
    readonly rse: pulumi.Input<RseSpec>;
    readonly deadlineSeconds: pulumi.Input<number>;
    readonly attemptTimeoutSeconds: pulumi.Input<number>;
}

export class RseRegistration extends pulumi.dynamic.Resource {
    declare readonly observed: pulumi.Output<ObservedRse>;
    declare readonly created: pulumi.Output<RseCreated>;

    constructor(name: string, args: RseRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
        super(rseRegistrationProvider, name, { observed: undefined, created: undefined, ...args }, { ...opts, additionalSecretOutputs: ["auth"] }, "srcnet", "RseRegistration");
    }
}
