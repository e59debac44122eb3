// The identity part: the site's OIDC clients in INDIGO IAM. With admin credentials (registration
// "admin") they are IamClient resources on IAM's admin API, their secrets generated here; with
// "dynamic" they are registered anonymously; with "static" they exist already and only their IDs
// and secrets (stack secrets) are passed on. The rest of the site sees the same outputs either way.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { IamClient } from "./iam-client";
import { clientMetadata, type ClientRole, type ClientSpec } from "./plan";

export { notebookExchangeScopes, planClients, type ClientRole, type ClientSpec } from "./plan";

export interface SiteClient {
    readonly clientId: pulumi.Output<string>;
    /** A secret output. */
    readonly clientSecret: pulumi.Output<string>;
}

export type ClientSource =
    | { readonly registration: "dynamic" }
    | { readonly registration: "admin"; readonly admin: { readonly clientId: string; readonly clientSecret: pulumi.Output<string> }; readonly random: random.Provider }
    | { readonly registration: "static"; readonly ids: Readonly<Partial<Record<ClientRole, string>>>; readonly secrets: pulumi.Output<Record<string, string>> };

export interface SiteIdentityArgs {
    readonly namePrefix: string;
    /** The IAM issuer; its discovery document names the endpoints. */
    readonly issuer: string;
    readonly clients: readonly ClientSpec[];
    readonly source: ClientSource;
}

/** IAM may be slow or restarting: an operation keeps retrying this long, one attempt waits this long. */
export const iamDeadlineSeconds = 300;
export const iamAttemptTimeoutSeconds = 30;

export class SiteIdentity extends pulumi.ComponentResource {
    readonly clients: Readonly<Partial<Record<ClientRole, SiteClient>>>;

    constructor(name: string, args: SiteIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:identity:SiteIdentity", name, {}, opts);
        const clients: Partial<Record<ClientRole, SiteClient>> = {};
        const source = args.source;
        for (const spec of args.clients) {
            if (source.registration === "static") {
                clients[spec.role] = {
                    clientId: pulumi.output(source.ids[spec.role] ?? ""),
                    clientSecret: pulumi.secret(source.secrets.apply((s) => s[spec.role] ?? "")),
                };
                continue;
            }
            const common = { issuer: args.issuer, metadata: clientMetadata(spec), deadlineSeconds: iamDeadlineSeconds, attemptTimeoutSeconds: iamAttemptTimeoutSeconds };
            const client =
                source.registration === "admin"
                    ? new IamClient(
                          `${args.namePrefix}-iam-${spec.role}`,
                          {
                              ...common,
                              mode: "admin",
                              clientId: spec.name,
                              // Chosen here, so that a create whose answer was lost can be completed with the same secret.
                              clientSecret: new random.RandomPassword(`${args.namePrefix}-iam-${spec.role}`, { length: 48, special: false }, { parent: this, provider: source.random }).result,
                              admin: source.admin,
                          },
                          { parent: this },
                      )
                    : new IamClient(`${args.namePrefix}-iam-${spec.role}`, { ...common, mode: "registration" }, { parent: this });
            clients[spec.role] = { clientId: client.clientId, clientSecret: pulumi.secret(client.clientSecret) };
        }
        this.clients = clients;
        this.registerOutputs({ clientIds: Object.fromEntries(Object.entries(clients).map(([role, c]) => [role, c!.clientId])) });
    }
}
