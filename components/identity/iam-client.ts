// IamClient: an INDIGO IAM OIDC client as a Pulumi resource (a dynamic provider). With admin
// credentials it uses IAM's admin API, choosing the client's ID and secret, so that a create
// whose answer was lost is found again instead of made twice; without them it registers
// anonymously (RFC 7591) and keeps the registration access token for later reads and changes.
import * as pulumi from "@pulumi/pulumi";
import {
    adminApi,
    adminToken,
    defaultRetry,
    discover,
    missingScopes,
    registrationApi,
    type ClientMetadata,
    type RetryPolicy,
} from "./iam-api";

export interface IamClientInputs {
    readonly issuer: string;
    readonly mode: "registration" | "admin";
    readonly metadata: ClientMetadata;
    /** Admin mode: the client's ID and secret, chosen by the site. */
    readonly clientId?: string;
    readonly clientSecret?: string;
    /** Admin mode: a client with iam:admin.read and iam:admin.write (client_credentials). */
    readonly admin?: { readonly clientId: string; readonly clientSecret: string };
    /** How long one operation may keep retrying before it fails, and how long one attempt may take. */
    readonly deadlineSeconds: number;
    readonly attemptTimeoutSeconds: number;
}

export interface IamClientOutputs extends IamClientInputs {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly registrationAccessToken?: string;
    readonly registrationClientUri?: string;
}

const policyOf = (inputs: IamClientInputs): RetryPolicy => ({ ...defaultRetry, deadlineMs: inputs.deadlineSeconds * 1000, attemptTimeoutMs: inputs.attemptTimeoutSeconds * 1000 });

/** Set semantics for lists and the space-separated scope: order does not make a change. */
function sameMetadata(a: ClientMetadata, b: ClientMetadata): boolean {
    const norm = (m: ClientMetadata) =>
        JSON.stringify({
            client_name: m.client_name,
            token_endpoint_auth_method: m.token_endpoint_auth_method,
            redirect_uris: [...m.redirect_uris].sort(),
            grant_types: [...m.grant_types].sort(),
            response_types: [...m.response_types].sort(),
            scope: m.scope.split(/\s+/).filter(Boolean).sort(),
        });
    return norm(a) === norm(b);
}

function requireScopes(name: string, asked: ClientMetadata, granted: ClientMetadata): void {
    const missing = missingScopes(asked.scope, granted.scope);
    if (missing.length > 0) {
        throw new Error(`IAM did not grant client ${name} the scopes ${missing.join(" ")}; they are restricted there: register with admin credentials, or have an IAM admin allow them`);
    }
}

async function adminSession(inputs: IamClientInputs) {
    if (!inputs.admin || !inputs.clientId || !inputs.clientSecret) throw new Error("admin mode needs the admin client and the client's ID and secret");
    const discovery = await discover(inputs.issuer, policyOf(inputs));
    return { discovery, token: await adminToken(discovery, inputs.admin, policyOf(inputs)), clientId: inputs.clientId, clientSecret: inputs.clientSecret };
}

/** The issuer, the mode and a chosen ID identify a client; anything else changes in place. */
export function iamClientReplaces(olds: Pick<IamClientInputs, "issuer" | "mode" | "clientId">, news: Pick<IamClientInputs, "issuer" | "mode" | "clientId">): string[] {
    return (["issuer", "mode", "clientId"] as const).filter((k) => olds[k] !== news[k] && !(k === "clientId" && news.mode === "registration"));
}

export const iamClientProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: IamClientInputs) {
        const policy = policyOf(inputs);
        if (inputs.mode === "admin") {
            const s = await adminSession(inputs);
            const granted = await adminApi.ensure(s.discovery, s.token, s.clientId, s.clientSecret, inputs.metadata, policy);
            requireScopes(inputs.metadata.client_name, inputs.metadata, granted);
            return { id: s.clientId, outs: { ...inputs, clientId: s.clientId, clientSecret: s.clientSecret } };
        }
        const discovery = await discover(inputs.issuer, policy);
        const client = await registrationApi.create(discovery, inputs.metadata, policy);
        try {
            requireScopes(inputs.metadata.client_name, inputs.metadata, client.metadata);
        } catch (err) {
            // A client without the scopes it needs is of no use: remove it rather than leave it behind.
            await registrationApi.remove(client.registrationClientUri!, client.registrationAccessToken!, client.clientId, policy);
            throw err;
        }
        const outs: IamClientOutputs = {
            ...inputs,
            clientId: client.clientId,
            clientSecret: client.clientSecret,
            registrationAccessToken: client.registrationAccessToken,
            registrationClientUri: client.registrationClientUri,
        };
        return { id: client.clientId, outs };
    },

    async read(id: string, props: IamClientOutputs) {
        const policy = policyOf(props);
        const metadata =
            props.mode === "admin"
                ? await adminSession(props).then((s) => adminApi.read(s.discovery, s.token, id, policy))
                : await registrationApi.read(props.registrationClientUri!, props.registrationAccessToken!, id, policy);
        // A client IAM no longer has (404) is gone: the next up creates it again.
        if (!metadata) return { id: undefined, props: {} };
        return { id, props: { ...props, metadata } };
    },

    async diff(_id: string, olds: IamClientOutputs, news: IamClientInputs) {
        const replaces = iamClientReplaces(olds, news);
        const changed =
            replaces.length > 0 ||
            !sameMetadata(olds.metadata, news.metadata) ||
            (news.mode === "admin" && (olds.clientSecret !== news.clientSecret || olds.admin?.clientId !== news.admin?.clientId || olds.admin?.clientSecret !== news.admin?.clientSecret)) ||
            olds.deadlineSeconds !== news.deadlineSeconds ||
            olds.attemptTimeoutSeconds !== news.attemptTimeoutSeconds;
        // An update keeps the client's ID and secret (the registration token may rotate): saying so
        // lets a preview show what uses them, such as the storage node's user-data, as unchanged.
        const stables = replaces.length > 0 ? [] : news.mode === "admin" ? (olds.clientSecret === news.clientSecret ? ["clientId", "clientSecret"] : ["clientId"]) : ["clientId", "clientSecret", "registrationClientUri"];
        return { changes: changed, replaces, stables, deleteBeforeReplace: true };
    },

    async update(id: string, olds: IamClientOutputs, news: IamClientInputs) {
        const policy = policyOf(news);
        if (news.mode === "admin") {
            const s = await adminSession(news);
            const granted = await adminApi.update(s.discovery, s.token, id, s.clientSecret, news.metadata, policy);
            requireScopes(news.metadata.client_name, news.metadata, granted);
            return { outs: { ...news, clientId: id, clientSecret: s.clientSecret } };
        }
        const updated = await registrationApi.update(olds.registrationClientUri!, olds.registrationAccessToken!, id, news.metadata, policy);
        // IAM may have replaced the token with this update; the old one then no longer works, so
        // the new one must reach the state even when the update is otherwise refused below.
        const rotated = updated.registrationAccessToken !== undefined && updated.registrationAccessToken !== olds.registrationAccessToken;
        const scopesMissing = missingScopes(news.metadata.scope, updated.metadata.scope).length > 0;
        if (scopesMissing && !rotated) requireScopes(news.metadata.client_name, news.metadata, updated.metadata);
        const outs: IamClientOutputs = {
            ...news,
            // With a new token and a scope IAM dropped, IAM's answer is kept: the next up sees the difference and reports it.
            metadata: scopesMissing ? updated.metadata : news.metadata,
            clientId: id,
            clientSecret: olds.clientSecret,
            registrationAccessToken: updated.registrationAccessToken ?? olds.registrationAccessToken,
            registrationClientUri: olds.registrationClientUri,
        };
        return { outs };
    },

    async delete(id: string, props: IamClientOutputs) {
        const policy = policyOf(props);
        // A client already gone (404) is fine.
        if (props.mode === "admin") {
            const s = await adminSession(props);
            await adminApi.remove(s.discovery, s.token, id, policy);
        } else {
            await registrationApi.remove(props.registrationClientUri!, props.registrationAccessToken!, id, policy);
        }
    },
};

export interface IamClientArgs {
    readonly issuer: pulumi.Input<string>;
    readonly mode: pulumi.Input<"registration" | "admin">;
    readonly metadata: pulumi.Input<ClientMetadata>;
    readonly clientId?: pulumi.Input<string>;
    readonly clientSecret?: pulumi.Input<string>;
    readonly admin?: pulumi.Input<{ clientId: pulumi.Input<string>; clientSecret: pulumi.Input<string> }>;
    readonly deadlineSeconds: pulumi.Input<number>;
    readonly attemptTimeoutSeconds: pulumi.Input<number>;
}

export class IamClient extends pulumi.dynamic.Resource {
    declare readonly clientId: pulumi.Output<string>;
    declare readonly clientSecret: pulumi.Output<string>;
    declare readonly registrationAccessToken: pulumi.Output<string | undefined>;

    constructor(name: string, args: IamClientArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            iamClientProvider,
            name,
            { clientId: undefined, clientSecret: undefined, registrationAccessToken: undefined, registrationClientUri: undefined, ...args },
            { ...opts, additionalSecretOutputs: ["clientSecret", "registrationAccessToken", "admin"] },
            "srcnet",
            "IamClient",
        );
    }
}
