// The Rucio part: the site's own Rucio on its cluster (mode "deploy"), or nothing of Rucio's there
// (mode "external"), and in both modes the RSE registration that makes Rucio hold what the site
// says about its storage. A test site's RSE name carries a suffix generated with the stack, so that
// a test site created again after a destroy never meets its old RSE's name (Rucio never gives a
// deleted RSE's name to a new one); a production RSE keeps its configured name and is never deleted.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { RseRegistration, type RseSpec, type RucioAuth, type RucioServerSpec } from "./rse-registration";
import { RucioAccountSync, type RucioAccountSyncArgs } from "./account-sync";
import { RucioOnCluster, type RucioOnClusterArgs } from "./deploy";

/** What the account sync is told by the config. */
export type SyncSettings = Pick<RucioAccountSyncArgs, "schedule" | "allowedGroups" | "admins" | "quotaBytes">;

export { planRse, bytesPerGb, noLimit } from "./plan";
export { RseRegistration, type RseSpec, type RucioAuth } from "./rse-registration";

export interface SiteRucioArgs {
    readonly namePrefix: string;
    readonly protectData: boolean;
    /** The RSE as the site config says it, under its configured name. */
    readonly rse: RseSpec;
    /** A test site's RSE name gets a suffix of its own (see the header). */
    readonly suffixRseName: boolean;
    readonly random: random.Provider;
    /** Where the registration talks to Rucio. */
    readonly server: RucioServerSpec;
    /** External mode: how the site logs in to the central Rucio (a secret output). */
    readonly auth?: pulumi.Input<RucioAuth>;
    /** Deploy mode: Rucio on the site's cluster, and the account sync. */
    readonly deploy?: Omit<RucioOnClusterArgs, "random"> & { readonly sync: SyncSettings };
    /** What must exist before Rucio answers at its public name (DNS records). */
    readonly reachableAfter?: pulumi.Input<pulumi.Resource>[];
}

/** Rucio may be starting, DNS propagating, a certificate being issued: the registration keeps trying this long. */
export const rucioDeadlineSeconds = { deploy: 1800, external: 300 } as const;
export const rucioAttemptTimeoutSeconds = 30;

/** A suffixed RSE name ends in `_` and this many capital letters and digits. */
const rseSuffixLength = 6;

/** Whether `name` is the name an RSE planned as `planned` is registered under (suffixed on a test site). */
export function isRegisteredRseName(planned: string, name: string, suffixed: boolean): boolean {
    return suffixed ? new RegExp(`^${planned}_[A-Z0-9]{${rseSuffixLength}}$`).test(name) : name === planned;
}

export class SiteRucio extends pulumi.ComponentResource {
    /** The name the RSE is registered under. */
    readonly rseName: pulumi.Output<string>;
    readonly registration: RseRegistration;
    readonly onCluster?: RucioOnCluster;

    constructor(name: string, args: SiteRucioArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:rucio:SiteRucio", name, {}, opts);
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;

        this.rseName = args.suffixRseName
            ? new random.RandomString(n("rse-suffix"), { length: rseSuffixLength, upper: true, lower: false, numeric: true, special: false }, { parent: this, provider: args.random }).result.apply(
                  (suffix) => `${args.rse.name}_${suffix}`,
              )
            : pulumi.output(args.rse.name);

        let auth: pulumi.Input<RucioAuth>;
        const after: pulumi.Input<pulumi.Resource>[] = [...(args.reachableAfter ?? [])];
        if (args.deploy) {
            const { sync: _sync, ...onCluster } = args.deploy;
            this.onCluster = new RucioOnCluster(n("rucio-cluster"), { ...onCluster, random: args.random }, { parent: this });
            auth = this.onCluster.rootAuth;
            after.push(this.onCluster.server);
        } else {
            if (!args.auth) throw new Error("an external Rucio needs the site's credentials for it");
            auth = args.auth;
        }

        this.registration = new RseRegistration(
            n("rse"),
            {
                server: args.server,
                auth,
                rse: this.rseName.apply((rseName): RseSpec => ({ ...args.rse, name: rseName })),
                deadlineSeconds: args.deploy ? rucioDeadlineSeconds.deploy : rucioDeadlineSeconds.external,
                attemptTimeoutSeconds: rucioAttemptTimeoutSeconds,
            },
            {
                parent: this,
                dependsOn: after,
                // Production: a destroy is refused, and removing it from the program leaves the RSE in Rucio.
                ...(args.protectData ? { protect: true, retainOnDelete: true } : {}),
                // A test site's own Rucio goes with its cluster, database and all: its RSE need not (and,
                // holding replicas, could not) be deleted first.
                ...(args.deploy && !args.protectData && args.deploy.deletedWith ? { deletedWith: args.deploy.deletedWith } : {}),
            },
        );
        if (args.deploy && this.onCluster) {
            new RucioAccountSync(
                n("rucio-account-sync"),
                {
                    ...args.deploy.sync,
                    namePrefix: args.namePrefix,
                    provider: args.deploy.provider,
                    deletedWith: args.deploy.deletedWith,
                    namespace: this.onCluster.namespace,
                    issuer: args.deploy.issuer,
                    client: args.deploy.clients.sync,
                    rootPassword: this.onCluster.rootPassword,
                    rse: this.rseName,
                    after: [this.onCluster.server, this.onCluster.rootSecret, this.registration],
                },
                { parent: this },
            );
        }
        this.registerOutputs({ rseName: this.rseName });
    }
}
