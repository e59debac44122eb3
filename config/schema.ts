// The shape of a site: one structured object per stack, `srcnet-site:site`.
// Every key is documented here; the JSON Schema for editors and the README's config reference
// are generated from these descriptions (npm run schema). Secrets are separate keys (secrets.ts).
import { z } from "zod";
import { defaultAvailabilityZone, derivedRseAttributes, siteIngressClass } from "./derive";
import {
    cidr,
    containerImage,
    count,
    dnsLabel,
    dnsName,
    email,
    gigabytes,
    httpsUrl,
    issuerUrl,
    kubernetesVersion,
    nodeGroupName,
    openstackRef,
    pemCertificates,
    rseName,
    rucioAccount,
    rucioScope,
    siteName,
} from "./fields";
import { versions } from "./versions";

const ipv4 = z.ipv4({ error: "must be an IPv4 address" });

const network = z
    .strictObject({
        cidr: cidr.default("10.42.0.0/24").describe("Subnet of the site's private network; the storage VM and (for magnum/capi) cluster nodes live here."),
        dnsNameservers: z
            .array(ipv4)
            .default([])
            .describe("DNS resolvers handed out by DHCP; empty uses the cloud's default."),
    })
    .describe("The site's private network.");

const openstack = z
    .strictObject({
        cloud: z.string().min(1).optional().describe("Entry in clouds.yaml to use. Without it the provider reads the OS_* environment variables."),
        region: z.string().min(1).optional().describe("OpenStack region; defaults to the cloud's own."),
        applicationCredentialId: z
            .string()
            .min(1)
            .optional()
            .describe("Application credential ID; its secret goes in the secret key openstackApplicationCredentialSecret."),
        externalNetwork: openstackRef.describe("Name of the external (provider) network that routers and floating IPs attach to."),
        keyPair: openstackRef.optional().describe("Nova key pair installed on site VMs for admin SSH; without it no key is injected."),
        adminCidrs: z
            .array(cidr)
            .default([])
            .describe("Networks allowed to reach SSH and other admin ports. Empty means no admin access; 0.0.0.0/0 and ::/0 are refused in production."),
        caCertificate: pemCertificates
            .optional()
            .describe(
                "CA certificates (PEM) that sign the cloud's API endpoints, when a private CA does; the site's OpenStack provider and the cluster's cloud controller and Cinder CSI verify with them. Without it they verify with the public roots (Mozilla's, as Node.js ships them).",
            ),
        network: network.prefault({}),
    })
    .describe("Cloud-wide settings: where the site is deployed and who may administer it.");

const trustedIssuer = z.strictObject({
    name: dnsLabel.describe("Short name of the issuer, used in StoRM's oauth.issuers list."),
    issuer: issuerUrl.describe("Exact issuer string of the tokens (as in their iss claim)."),
});

/** A client ID that HTTP Basic can carry: IAM splits the credentials at the first ':' and does not url-decode them. */
const iamClientId = z
    .string()
    .min(1)
    .refine((v) => !v.includes(":"), { error: "must not contain ':', which HTTP Basic authentication cannot carry (IAM splits client ID and secret at the first ':')" });

const iamClientRef = z.strictObject({
    clientId: iamClientId.describe("Client ID registered in IAM; its secret goes in the secret key iamClientSecrets."),
});

const iamCommon = {
    issuer: issuerUrl.describe(
        "The IAM issuer exactly as it appears in tokens, trailing slash included; StoRM and Rucio compare it byte for byte.",
    ),
    trustedIssuers: z
        .array(trustedIssuer)
        .default([])
        .describe("Further issuers whose tokens the storage accepts (for example a central SKA IAM)."),
    stormLogin: z
        .boolean()
        .default(false)
        .describe(
            "Log in to StoRM-WebDAV's web pages with the site's IAM: registers a StoRM client (redirect URI https://<storm host>:8443/login/oauth2/code/iam) and configures StoRM with it. Its secret travels in the storage node's user-data, never in instance metadata: switching this, or a new client secret, replaces the storage VM (its data volume is kept).",
        ),
};

const iam = z
    .discriminatedUnion("registration", [
        z
            .strictObject({
                registration: z.literal("dynamic").describe("Register clients anonymously through IAM's client registration API."),
                ...iamCommon,
            })
            .describe("dynamic: clients registered through the client registration API (RFC 7591)."),
        z
            .strictObject({
                registration: z.literal("admin").describe("Register clients with an IAM admin client (needed for token exchange and client_credentials)."),
                ...iamCommon,
                adminClientId: iamClientId.describe("Client with iam:admin.read and iam:admin.write (client_credentials); its secret goes in iamAdminClientSecret."),
            })
            .describe("admin: clients managed through IAM's admin client API."),
        z
            .strictObject({
                registration: z.literal("static").describe("Use clients an IAM administrator created; no API calls."),
                ...iamCommon,
                clients: z
                    .strictObject({
                        jupyterhub: iamClientRef.describe("JupyterHub login client."),
                        tokenExchange: iamClientRef.describe("Client that exchanges notebook tokens (separate from the login client)."),
                        rucio: iamClientRef.describe("Rucio server client."),
                        storm: iamClientRef.optional().describe("StoRM browser login client (optional)."),
                        rucioWebui: iamClientRef.optional().describe("Rucio web UI login client; required when Rucio runs here."),
                        rucioSync: iamClientRef.optional().describe("Client that reads IAM's users (scim:read) for the Rucio account sync; required when Rucio runs here."),
                    })
                    .describe("Client IDs; the secrets go in the secret key iamClientSecrets under the same names."),
            })
            .describe("static: pre-registered clients given by ID, secrets as stack secrets."),
    ])
    .describe("INDIGO IAM: the identity provider of the site's users and services.");

const storageArea = z.strictObject({
    name: dnsLabel.describe("Storage-area name; also its directory on the data volume and part of the Kubernetes names of its volume."),
    accessPoint: z
        .string()
        .regex(/^\/[a-z0-9][a-z0-9_/-]*[a-z0-9]$|^\/[a-z0-9]$/, { error: "must be an absolute path such as /sa, without a trailing slash" })
        .optional()
        .describe("URL path of the area on the WebDAV endpoint; defaults to /<name>."),
    quotaGb: gigabytes.optional().describe("Space planned for this area; all quotas together must fit on the data volume."),
    wlcgScopeAuthz: z.boolean().default(true).describe("Authorize by WLCG storage.* scopes in tokens."),
    orgsGrantRead: z.boolean().default(false).describe("Any token from a trusted issuer may read, whatever its scopes."),
    orgsGrantWrite: z.boolean().default(false).describe("Any token from a trusted issuer may write, whatever its scopes."),
    anonymousRead: z.boolean().default(false).describe("Anyone may read without a token."),
    authenticatedRead: z
        .boolean()
        .default(false)
        .describe(
            "Any client that presents an X.509 certificate from a trusted CA (with or without VOMS attributes) may read. Bearer tokens and browser logins get nothing from it: use orgsGrantRead for them.",
        ),
});

const storage = z
    .strictObject({
        rse: rseName.describe("Name of the site's Rucio Storage Element."),
        image: openstackRef.describe("EL9-family image (Rocky, Alma) for the StoRM-WebDAV VM."),
        flavor: openstackRef.describe("Flavor of the StoRM-WebDAV VM."),
        deployment: z
            .enum(["rpm", "container"])
            .default("rpm")
            .describe("rpm: storm-webdav from the StoRM EL9 repository; container: the storm-webdav image under podman."),
        heapMb: count(512, 65536)
            .optional()
            .describe("Java heap of StoRM-WebDAV in MB; defaults to a quarter of the flavor's RAM, between 1024 and 2048."),
        volume: z
            .strictObject({
                sizeGb: gigabytes.describe("Size of the Cinder data volume."),
                type: z.string().min(1).optional().describe("Cinder volume type; defaults to the cloud's default."),
            })
            .describe("The data volume that holds every storage area."),
        rseStorageArea: z.string().optional().describe("The storage area Rucio manages as the RSE; defaults to the first one."),
        storageAreas: z.array(storageArea).min(1, { error: "needs at least one storage area: StoRM-WebDAV does not start without one" }).describe("Storage areas served by StoRM-WebDAV."),
    })
    .describe("The StoRM-WebDAV storage element.");

const nodeGroup = z.strictObject({
    name: nodeGroupName.describe("Node group name: at least 3 characters of a-z, 0-9 and '-', as the openstack-cluster chart requires."),
    flavor: openstackRef.describe("Flavor of the group's nodes."),
    count: count(1, 100).optional().describe("Number of nodes of a group of fixed size; leave it out when the group autoscales."),
    minCount: count(1, 100).optional().describe("Lower bound for the autoscaler, and the size the group starts at; with maxCount."),
    maxCount: count(1, 100).optional().describe("Upper bound for the autoscaler; with minCount."),
});

const nodeGroups = z.array(nodeGroup).min(1, { error: "needs at least one node group" }).describe("Worker node groups.");

const ingress = z
    .strictObject({
        floatingIp: ipv4
            .optional()
            .describe("A floating IP the project already holds, for the ingress load balancer; without it one is allocated. Keeps the address (and DNS) across rebuilds."),
    })
    .describe("How JupyterHub and Rucio are reached: Traefik behind an OpenStack (Octavia) load balancer with a floating IP.");

const availabilityZone = z.string().min(1).default(defaultAvailabilityZone).describe("Nova availability zone of the cluster's nodes; nova is OpenStack's default zone.");

const volumeAvailabilityZone = z
    .string()
    .min(1)
    .optional()
    .describe("Cinder availability zone of the volumes the cluster's default storage class makes; defaults to availabilityZone (Cluster API) or nova (Magnum).");

const magnum = z
    .strictObject({
        backend: z.literal("magnum"),
        template: z.string().min(1).optional().describe("Use this existing ClusterTemplate instead of creating one."),
        kubernetesVersion: kubernetesVersion
            .optional()
            .describe("Kubernetes release of the image, which must say so in its kube_version property (Magnum's Cluster API driver reads it there); required unless template is set."),
        image: openstackRef
            .optional()
            .describe("Node image built for that release by the Cluster API image builder, with the Glance properties os_distro (ubuntu or flatcar) and kube_version; required unless template is set."),
        controlPlane: z
            .strictObject({
                flavor: openstackRef.describe("Flavor of control-plane nodes."),
                count: z.literal([1, 3, 5]).default(1).describe("Control-plane nodes: 1, 3 or 5."),
            })
            .describe("Control plane (Magnum masters)."),
        nodeGroups,
        autoHealing: z.boolean().default(true).describe("Replace unhealthy nodes (auto_healing_enabled label)."),
        volumeAvailabilityZone,
        ingress: ingress.prefault({}),
        labels: z.record(z.string(), z.string()).default({}).describe("Further Magnum labels, passed as given."),
    })
    .describe("magnum: a cluster created by OpenStack Magnum.");

const capi = z
    .strictObject({
        backend: z.literal("capi"),
        kubernetesVersion: kubernetesVersion.describe("Kubernetes release of the workload cluster."),
        image: openstackRef.describe("Node image built for that Kubernetes release."),
        controlPlane: z
            .strictObject({
                flavor: openstackRef.describe("Flavor of control-plane nodes."),
                count: z.literal([1, 3, 5]).default(3).describe("Control-plane nodes: 1, 3 or 5."),
            })
            .describe("Control plane."),
        nodeGroups,
        namespace: dnsLabel
            .default("default")
            .describe("Namespace in the management cluster that holds the cluster objects; it must exist (other clusters may share it)."),
        managementEgressCidrs: z
            .array(cidr)
            .min(1, { error: "needs the address the management cluster reaches the workload cluster's API from" })
            .describe(
                "IPv4 addresses (CIDRs) the management cluster's traffic to the workload cluster's API comes from (its NAT or egress address); the API admits these, the admin networks and the site router.",
            ),
        availabilityZone,
        volumeAvailabilityZone,
        ingress: ingress.prefault({}),
    })
    .describe("capi: Cluster API through the openstack-cluster chart on a management cluster (its kubeconfig in capiManagementKubeconfig).");

const existingCluster = z
    .strictObject({
        backend: z.literal("existing"),
        namespacePrefix: dnsLabel
            .optional()
            .describe("Prefix for every namespace this site creates (alice gives alice-jupyterhub), so that several test sites can share a cluster."),
        storageClass: z.string().min(1).optional().describe("Storage class for user volumes and databases; defaults to the cluster's default."),
        nodeCidr: cidr.optional().describe("Network the cluster's nodes come from, for the storage's NFS export."),
        ingressAddress: ipv4.optional().describe("Address of the cluster's ingress; required when the site runs JupyterHub or Rucio there."),
        ingressClass: dnsLabel
            .default(siteIngressClass)
            .describe("Ingress class the site's ingresses and ACME challenges use: the class of the Traefik the site installs, or with installPlatform false, of the cluster's own ingress controller."),
        installPlatform: z
            .boolean()
            .default(true)
            .describe("Install Traefik, cert-manager, the ClusterIssuers and (for a deployed Rucio) the CloudNativePG operator; set false on a shared cluster that has them (CloudNativePG 1.30 or later)."),
    })
    .describe("existing: a cluster given by the kubeconfig in the secret key kubeconfig.");

const cluster = z
    .discriminatedUnion("backend", [magnum, capi, existingCluster])
    .describe("The Kubernetes cluster that runs JupyterHub and Rucio.");

const notebookProfile = z.strictObject({
    name: dnsLabel.describe("Short name of the profile (its slug)."),
    displayName: z.string().min(1).describe("What the user sees in the list."),
    description: z.string().default("").describe("A line about what the size is for."),
    cpu: z.number().positive({ error: "must be more than 0 CPUs" }).max(256, { error: "must be at most 256 CPUs" }).describe("CPUs guaranteed to the server (also its limit)."),
    memoryGb: gigabytes.describe("Memory guaranteed to the server, in GiB (also its limit)."),
    default: z.boolean().default(false).describe("Preselected in the list (at most one profile)."),
});

const defaultNotebookProfiles = [
    { name: "small", displayName: "Small: 1 CPU, 4 GiB", description: "Browsing data and light analysis.", cpu: 1, memoryGb: 4, default: true },
    { name: "medium", displayName: "Medium: 2 CPUs, 8 GiB", description: "Analysis of larger data sets.", cpu: 2, memoryGb: 8, default: false },
];

const jupyterhub = z
    .strictObject({
        enabled: z.boolean().default(true).describe("Deploy JupyterHub."),
        admins: z.array(z.string().min(1)).default([]).describe("IAM usernames with JupyterHub admin rights."),
        allowedGroups: z
            .array(z.string().min(1))
            .default([])
            .describe(
                "IAM groups allowed to log in and to have Rucio accounts, as in the wlcg.groups claim (/skao/uksrc; the leading '/' may be left out). Membership is exact: members of a subgroup are not members of its parent. Empty allows every user of the IAM.",
            ),
        userStorageGb: gigabytes.default(10).describe("Persistent home volume per user."),
        cullIdleMinutes: count(10, 10080).default(60).describe("Stop servers idle this long."),
        image: containerImage
            .default(versions.notebookImage)
            .describe("Notebook image (registry/name:tag): JupyterLab, the Rucio clients and rucio-jupyterlab. images/notebook/Dockerfile builds the default for a site's own registry."),
        profiles: z
            .array(notebookProfile)
            .min(1, { error: "must list at least one profile" })
            .default(defaultNotebookProfiles)
            .describe("The server sizes a user picks from at start; the one marked default (or the first) is preselected."),
        prePull: z.boolean().default(true).describe("Pull the notebook image onto every node ahead of time, so that a server starts in seconds."),
    })
    .describe("JupyterHub, with IAM login and the site's RSE mounted read-only.");

const peer = z.strictObject({
    rse: rseName.describe("Name of the peer RSE; it must exist in the Rucio the site registers in."),
    distance: count(0, 100).describe("Rucio distance to the peer (lower is closer); set in both directions."),
});

const rseAttributeValue = z.union([z.string(), z.number(), z.boolean()]);

const rseAccount = z.strictObject({
    account: rucioAccount.describe("Rucio account."),
    quotaGb: gigabytes.optional().describe("Its limit on the site's RSE, in GB (10^9 bytes); without it the account has no limit there."),
    scopes: z.array(rucioScope).default([]).describe("Scopes the account must have (created when missing)."),
});

const rucioCommon = {
    ftsUrl: httpsUrl.describe("FTS server that runs this site's transfers, such as https://fts3-pilot.cern.ch:8446."),
    peers: z.array(peer).default([]).describe("Other RSEs this site exchanges data with."),
    lfn2pfnAlgorithm: z
        .enum(["hash", "identity"])
        .default("hash")
        .describe("How Rucio turns a file's scope and name into its path on the RSE: hash spreads files over <scope>/<xx>/<yy>/<name>, identity uses <scope>/<name>."),
    rseAttributes: z
        .record(z.string().regex(/^[A-Za-z0-9_.-]+$/, { error: "must be letters, digits, '_', '.' or '-'" }), rseAttributeValue)
        .default({})
        .describe(`Further RSE attributes, such as a country or a tier; the ones the program derives (${derivedRseAttributes.join(", ")}) cannot be set here.`),
    accounts: z.array(rseAccount).default([]).describe("Service accounts with a limit on the site's RSE, and the scopes they need."),
};

const rucioBackup = z
    .strictObject({
        endpoint: httpsUrl.describe("S3 API endpoint of the object store (OpenStack Swift's S3 API or Ceph RGW)."),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: "must be an S3 bucket name: 3 to 63 of a-z, 0-9, '.' and '-'" }).describe("Bucket that holds the backups; it must exist."),
        path: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, { error: "must be a relative path such as rucio-db" }).optional().describe("Folder in the bucket; defaults to the site name."),
        schedule: z
            .string()
            .regex(/^\S+( \S+){5}$/, { error: "must be a six-field cron expression (seconds first), such as \"0 0 2 * * *\"" })
            .default("0 0 2 * * *")
            .describe("When a full backup runs, as CloudNativePG reads it: six cron fields, seconds first."),
        retentionDays: count(1, 3650).default(30).describe("Backups and WAL older than this are removed."),
    })
    .describe("Scheduled backups of the database and continuous WAL archiving; the keys go in the secret key rucioBackupCredentials.");

const rucioDatabase = z
    .strictObject({
        external: z
            .boolean()
            .default(false)
            .describe("Use a PostgreSQL the site already runs; its connection URL goes in the secret key rucioDatabaseUrl, and no database is deployed."),
        instances: count(1, 9).optional().describe("PostgreSQL instances (one primary, the rest standbys); defaults to 1 for test sites and 2 in production."),
        name: dnsLabel.default("rucio-db").describe("Name of the PostgreSQL cluster; also the folder its backups go to. A restore needs a new one."),
        backup: rucioBackup.optional(),
        restore: z
            .strictObject({
                fromCluster: dnsLabel.describe("The cluster whose backups (in rucio.database.backup's bucket and path) are restored."),
                targetTime: z
                    .string()
                    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/, { error: "must be an RFC 3339 time such as 2026-01-02T03:04:05Z" })
                    .optional()
                    .describe("Point in time to recover to; the end of the WAL archive without it."),
            })
            .optional()
            .describe("Create the database from backups instead of empty: see \"Restoring Rucio's database\" in docs/rucio.md."),
    })
    .describe("Rucio's PostgreSQL: run by CloudNativePG on the cluster, or external.");

const rucio = z
    .discriminatedUnion("mode", [
        z
            .strictObject({
                mode: z.literal("deploy"),
                ...rucioCommon,
                databaseVolumeGb: gigabytes.default(20).describe("Volume of the Rucio PostgreSQL database."),
                database: rucioDatabase.prefault({}),
                admins: z.array(z.string().min(1)).default([]).describe("IAM usernames whose Rucio accounts are admins."),
                userQuotaGb: gigabytes.default(100).describe("Limit on the site's RSE of each account the sync creates for an IAM user; an admin may raise it in Rucio."),
                syncSchedule: z
                    .string()
                    .regex(/^\S+( \S+){4}$/, { error: "must be a five-field cron expression, such as \"*/15 * * * *\"" })
                    .default("*/15 * * * *")
                    .describe("How often IAM users are synced into Rucio accounts (Kubernetes CronJob schedule)."),
            })
            .describe("deploy: run Rucio (server, daemons, web UI, database) on the site's cluster."),
        z
            .strictObject({
                mode: z.literal("external"),
                ...rucioCommon,
                serverUrl: httpsUrl.describe("The central Rucio server."),
                authUrl: httpsUrl.optional().describe("The central Rucio auth server; defaults to serverUrl."),
                caCertificate: pemCertificates
                    .optional()
                    .describe("CA certificates (PEM) that sign the central Rucio's certificates, such as an IGTF grid CA; without it the public roots."),
                auth: z
                    .discriminatedUnion("method", [
                        z
                            .strictObject({
                                method: z.literal("userpass"),
                                account: rucioAccount.describe("Rucio account that registers the RSE (it needs admin rights)."),
                                username: z.string().min(1).describe("Its userpass identity; the password goes in the secret key rucioPassword."),
                            })
                            .describe("userpass: a Rucio username and password."),
                        z
                            .strictObject({
                                method: z.literal("oidc"),
                                account: rucioAccount.optional().describe("Rucio account to act as, when the token's identity maps to more than one."),
                                issuer: issuerUrl.describe("The IAM the central Rucio trusts (its token endpoint comes from its discovery document)."),
                                clientId: iamClientId.describe("IAM client (client_credentials) whose identity is an admin account in the central Rucio; its secret goes in rucioClientSecret."),
                                scope: z.string().min(1).optional().describe("Scopes to ask for; defaults to none (the client's default scopes)."),
                                audience: z.string().min(1).optional().describe("Audience the central Rucio expects in tokens."),
                            })
                            .describe("oidc: a client-credentials token from IAM."),
                    ])
                    .describe("How the site logs in to the central Rucio to register its RSE."),
            })
            .describe("external: register this site's RSE in a central Rucio."),
    ])
    .describe("Rucio, the data management system the RSE belongs to.");

const dns = z
    .discriminatedUnion("provider", [
        z
            .strictObject({
                provider: z.literal("designate"),
                zone: dnsName.optional().describe("Designate zone that holds the site's records; defaults to the site domain."),
                createZone: z.boolean().default(false).describe("Create the zone instead of using an existing one."),
                zoneEmail: email.optional().describe("Contact e-mail of a created zone; defaults to hostmaster@<zone>."),
                ttl: count(30, 86400).default(300).describe("TTL of the site's records, in seconds."),
            })
            .describe("designate: records in OpenStack Designate."),
        z
            .strictObject({
                provider: z.literal("external"),
            })
            .describe("external: the records are listed as a stack output for someone to create."),
    ])
    .describe("DNS for the site's hostnames.");

const certificates = z
    .strictObject({
        acmeEmail: email.describe("Contact address registered with Let's Encrypt."),
        acmeServer: z
            .enum(["staging", "production"])
            .optional()
            .describe("Let's Encrypt endpoint; defaults to staging for test sites and production for production sites."),
        storm: z
            .enum(["letsencrypt", "provided"])
            .default("letsencrypt")
            .describe("StoRM host certificate: from Let's Encrypt, or given in stormHostCertificate and stormHostKey."),
    })
    .describe("Certificates for every endpoint.");

const checks = z
    .strictObject({
        clientId: iamClientId.describe(
            "IAM client (client_credentials grant, WLCG profile: its scopes include wlcg) whose token the checks write to the RSE's storage area and log in to Rucio with; its identity (SUB=<client id>, ISS=<issuer>) must map to a Rucio account. Its secret goes in the secret key checksClientSecret, or the environment variable SRCNET_CHECKS_CLIENT_SECRET.",
        ),
        scope: z
            .string()
            .min(1)
            .optional()
            .describe("Scopes the token asks for; defaults to the scopes Rucio expects (with an external Rucio logged in to by oidc, rucio.auth.scope when set; else openid profile) and the RSE's storage scopes (storage.read:/ storage.create:/ storage.modify:/)."),
        audience: z
            .string()
            .min(1)
            .optional()
            .describe("Audience the token asks for; defaults to rucio, the one Rucio expects unless configured otherwise (with an external Rucio logged in to by oidc, rucio.auth.audience when set)."),
        rucioAccount: rucioAccount.optional().describe("The Rucio account the token must map to; any account when not given."),
    })
    .describe("The post-deploy checks (npm run smoke): the IAM client whose token they use for the storage and Rucio.");

const hostnames = z
    .strictObject({
        storm: dnsName.optional().describe("StoRM-WebDAV endpoint; defaults to storm.<domain>."),
        jupyter: dnsName.optional().describe("JupyterHub; defaults to jupyter.<domain>."),
        rucio: dnsName.optional().describe("Rucio server and its auth API; defaults to rucio.<domain>."),
        rucioWebui: dnsName.optional().describe("Rucio web UI; defaults to rucio-ui.<domain>."),
    })
    .describe("Overrides of the derived hostnames; each must lie under the domain.");

export const siteSchema = z
    .strictObject({
        name: siteName.describe("Short site name; prefixes every resource name."),
        environment: z
            .enum(["production", "test"])
            .describe("production protects data-bearing resources; test sites are torn down completely."),
        domain: dnsName.describe("DNS domain under which every hostname of the site lives."),
        hostnames: hostnames.prefault({}),
        openstack,
        iam,
        storage,
        cluster,
        jupyterhub: jupyterhub.prefault({}),
        rucio,
        dns,
        certificates,
        checks: checks.optional(),
    })
    .describe("An SKA Regional Centre site.");

/** The site config as validated, defaults applied. */
export type SiteConfig = z.output<typeof siteSchema>;
export type StorageArea = SiteConfig["storage"]["storageAreas"][number];
