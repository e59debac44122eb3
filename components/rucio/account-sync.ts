// The account sync on the cluster: IAM's users become Rucio accounts (render/account-sync.ts has
// the manifests, sync/account_sync.py what a run does). Registered after the RSE, whose name the
// accounts' limits are set on, so that no run meets an RSE that does not exist yet.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { SiteClient } from "../identity";
import { accountSyncConfigMap, accountSyncCronJob } from "./render/account-sync";
import { serverServiceUrl } from "./render/charts";
import { defaultRootUsername, type SecretKeyRef } from "./render/init-job";
import { fieldsOf } from "./deferred-manifest";

export interface RucioAccountSyncArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    readonly deletedWith?: pulumi.Resource;
    readonly namespace: pulumi.Output<string>;
    /** The site IAM's issuer, exactly as in its tokens: the accounts' identities carry it. */
    readonly issuer: string;
    /** The IAM client with scim:read. */
    readonly client: SiteClient;
    readonly rootPassword: SecretKeyRef;
    readonly schedule: string;
    readonly allowedGroups: readonly string[];
    readonly admins: readonly string[];
    readonly quotaBytes: number;
    /** The registered RSE the accounts' limits are on. */
    readonly rse: pulumi.Input<string>;
    /** The server, the root Secret and the RSE registration. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

const syncName = "rucio-account-sync";

export class RucioAccountSync extends pulumi.ComponentResource {
    constructor(name: string, args: RucioAccountSyncArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:rucio:RucioAccountSync", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, deletedWith: args.deletedWith };
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;

        const secret = new k8s.core.v1.Secret(
            n(syncName),
            { metadata: { name: syncName, namespace: args.namespace }, type: "Opaque", stringData: { "iam-client-secret": args.client.clientSecret } },
            child,
        );
        const manifests = pulumi.all([args.namespace, args.client.clientId, args.rse]).apply(([namespace, clientId, rse]) => ({
            name: syncName,
            namespace,
            schedule: args.schedule,
            settings: {
                iamIssuer: args.issuer,
                iamClientId: clientId,
                // Inside the cluster: the server's Service, no certificate to trust.
                rucioUrl: serverServiceUrl(namespace),
                rucioUsername: defaultRootUsername,
                allowedGroups: args.allowedGroups,
                admins: args.admins,
                rse,
                defaultQuotaBytes: args.quotaBytes,
            },
            iamClientSecret: { name: syncName, key: "iam-client-secret" },
            rucioPassword: args.rootPassword,
        }));
        const script = new k8s.core.v1.ConfigMap(n(syncName), fieldsOf(manifests.apply(accountSyncConfigMap), ["metadata", "data"]), child);
        new k8s.batch.v1.CronJob(n(syncName), fieldsOf(manifests.apply(accountSyncCronJob), ["metadata", "spec"]), { ...child, dependsOn: [script, secret, ...args.after] });
        this.registerOutputs({});
    }
}
