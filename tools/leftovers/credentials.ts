// The login the site's OpenStack provider uses, found the way it finds it, so that the leftovers
// tool sees the cloud project the program deployed into. The provider (terraform-provider-openstack
// v1.54.1, which @pulumi/openstack 3.15.2 bundles: pulumi/pulumi-openstack@v3.15.2:provider/go.mod)
// hands its settings to gophercloud/utils@05e9e7f5ea4d (its go.mod at v1.54.1):
// - with a cloud name (site.openstack.cloud, else OS_CLOUD: openstack/provider.go:233-237), the
//   login is that clouds.yaml entry, merged under secure.yaml and the entry's per-region values;
//   the provider's own credential settings are not used (terraform/auth/config.go:103-133);
// - without one, the provider's settings, each defaulting to its OS_* variable
//   (openstack/provider.go:26-240), application_credential_id here from site.openstack;
// - either way an OS_* variable fills what is still empty (openstack/clientconfig/requests.go:526-651),
//   and the scope and domains follow requests.go:653-685 and setDomainIfNeeded (:959-999).
// The application credential's secret is a stack secret the tool cannot decrypt: it is read from
// OS_APPLICATION_CREDENTIAL_SECRET, which is also the provider's default for it.
import { homedir } from "node:os";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CaLookup } from "../../components/site/cloud-ca";
import { parseYaml } from "../../components/yaml-text";

export interface AuthInfo {
    readonly authUrl?: string;
    readonly token?: string;
    readonly username?: string;
    readonly userId?: string;
    readonly password?: string;
    readonly projectId?: string;
    readonly projectName?: string;
    readonly projectDomainId?: string;
    readonly projectDomainName?: string;
    readonly userDomainId?: string;
    readonly userDomainName?: string;
    readonly domainId?: string;
    readonly domainName?: string;
    readonly defaultDomain?: string;
    readonly applicationCredentialId?: string;
    readonly applicationCredentialName?: string;
    readonly applicationCredentialSecret?: string;
    readonly systemScope?: string;
}

export type EndpointInterface = "public" | "internal" | "admin";

export interface Login {
    readonly auth: AuthInfo;
    readonly authType?: string;
    readonly region?: string;
    readonly interface: EndpointInterface;
    /** Where the login came from, for messages. */
    readonly source: string;
}

/** Where the login is looked for: the environment and the files, as the CA of the cloud is (components/site/cloud-ca.ts). */
export type LoginLookup = CaLookup;

export const hostLookup = (): LoginLookup => ({ env: process.env, home: homedir(), cwd: process.cwd(), exists: existsSync, read: (p) => readFileSync(p, "utf8") });

/** A login that cannot be found or is incomplete: one line for the user. */
export class LoginError extends Error {}

/** clouds.yaml's auth keys (clientconfig/results.go:58-131) and the fields they fill. */
const authKeys: Readonly<Record<string, keyof AuthInfo>> = {
    auth_url: "authUrl",
    token: "token",
    username: "username",
    user_id: "userId",
    password: "password",
    project_id: "projectId",
    project_name: "projectName",
    project_domain_id: "projectDomainId",
    project_domain_name: "projectDomainName",
    user_domain_id: "userDomainId",
    user_domain_name: "userDomainName",
    domain_id: "domainId",
    domain_name: "domainName",
    default_domain: "defaultDomain",
    application_credential_id: "applicationCredentialId",
    application_credential_name: "applicationCredentialName",
    application_credential_secret: "applicationCredentialSecret",
    system_scope: "systemScope",
};

/** The OS_* variables that fill an empty field, later ones winning (requests.go:526-651: OS_PROJECT_ID after OS_TENANT_ID, OS_AUTH_TOKEN after OS_TOKEN). */
const envFill: readonly (readonly [keyof AuthInfo, readonly string[]])[] = [
    ["authUrl", ["OS_AUTH_URL"]],
    ["token", ["OS_TOKEN", "OS_AUTH_TOKEN"]],
    ["username", ["OS_USERNAME"]],
    ["userId", ["OS_USER_ID"]],
    ["password", ["OS_PASSWORD"]],
    ["projectId", ["OS_TENANT_ID", "OS_PROJECT_ID"]],
    ["projectName", ["OS_TENANT_NAME", "OS_PROJECT_NAME"]],
    ["domainId", ["OS_DOMAIN_ID"]],
    ["domainName", ["OS_DOMAIN_NAME"]],
    ["defaultDomain", ["OS_DEFAULT_DOMAIN"]],
    ["projectDomainId", ["OS_PROJECT_DOMAIN_ID"]],
    ["projectDomainName", ["OS_PROJECT_DOMAIN_NAME"]],
    ["userDomainId", ["OS_USER_DOMAIN_ID"]],
    ["userDomainName", ["OS_USER_DOMAIN_NAME"]],
    ["applicationCredentialId", ["OS_APPLICATION_CREDENTIAL_ID"]],
    ["applicationCredentialName", ["OS_APPLICATION_CREDENTIAL_NAME"]],
    ["applicationCredentialSecret", ["OS_APPLICATION_CREDENTIAL_SECRET"]],
    ["systemScope", ["OS_SYSTEM_SCOPE"]],
];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type YamlCloud = Record<string, unknown> & { auth?: Record<string, unknown> };

/** The first of `names` in ./, ~/.config/openstack/ and /etc/openstack/ (clientconfig/utils.go:105-171). */
function findYaml(names: readonly string[], at: LoginLookup, explicit?: string): string | undefined {
    if (explicit && at.exists(explicit)) return explicit;
    const dirs = [at.cwd, join(at.home, ".config", "openstack"), "/etc/openstack"];
    for (const name of names) {
        const found = dirs.map((d) => join(d, name)).find((f) => at.exists(f));
        if (found) return found;
    }
    return undefined;
}

function readClouds(file: string, at: LoginLookup): Record<string, YamlCloud> {
    let doc: unknown;
    try {
        doc = parseYaml(at.read(file));
    } catch (err) {
        throw new LoginError(`${file} cannot be read as YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    const clouds = (doc as { clouds?: unknown } | null)?.clouds;
    return typeof clouds === "object" && clouds !== null ? (clouds as Record<string, YamlCloud>) : {};
}

/** `override` over `base`, auth merged key by key (clientconfig mergeClouds: the override wins where both set a value). */
function merge(override: YamlCloud | undefined, base: YamlCloud | undefined): YamlCloud {
    const auth = { ...(base?.auth ?? {}), ...(override?.auth ?? {}) };
    return { ...(base ?? {}), ...(override ?? {}), auth };
}

/** GetCloudFromYAML (requests.go:185-341) without clouds-public.yaml profiles. */
function cloudFromYaml(name: string, region: string | undefined, at: LoginLookup): { cloud: YamlCloud; file: string } {
    const file = findYaml(["clouds.yaml", "clouds.yml"], at, at.env.OS_CLIENT_CONFIG_FILE);
    const clouds = file ? readClouds(file, at) : {};
    let cloud: YamlCloud | undefined = clouds[name];
    const secureFile = findYaml(["secure.yaml", "secure.yml"], at);
    const secure = secureFile ? readClouds(secureFile, at)[name] : undefined;
    if (!cloud && !secure) {
        throw new LoginError(file ? `cloud ${name} (site.openstack.cloud or OS_CLOUD) is not in ${file}` : `cloud ${name} (site.openstack.cloud or OS_CLOUD) needs a clouds.yaml: none in OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/ or /etc/openstack/`);
    }
    if (secure) cloud = merge(secure, cloud);
    if (region && Array.isArray(cloud!.regions)) {
        const entry = (cloud!.regions as unknown[]).find((r) => typeof r === "object" && r !== null && (r as { name?: unknown }).name === region) as { values?: YamlCloud } | undefined;
        if (entry?.values) cloud = merge(entry.values, cloud);
    }
    return { cloud: cloud!, file: file ?? secureFile! };
}

function authFromYaml(auth: Record<string, unknown> | undefined): Mutable<AuthInfo> {
    const info: Mutable<AuthInfo> = {};
    for (const [key, field] of Object.entries(authKeys)) {
        const v = auth?.[key];
        if (typeof v === "string" && v !== "") info[field] = v;
        else if (typeof v === "number" || typeof v === "boolean") info[field] = String(v);
    }
    return info;
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);

/** The endpoint interface the provider asks the catalog for (gophercloud/utils clientconfig GetEndpointType: public unless internal or admin). */
export function endpointInterface(endpointType: string | undefined): EndpointInterface {
    if (endpointType === "internal" || endpointType === "internalURL") return "internal";
    if (endpointType === "admin" || endpointType === "adminURL") return "admin";
    return "public";
}

export function resolveLogin(openstack: { readonly cloud?: string; readonly region?: string; readonly applicationCredentialId?: string }, at: LoginLookup = hostLookup()): Login {
    const env = at.env;
    const cloudName = openstack.cloud ?? nonEmpty(env.OS_CLOUD);
    // The provider's region: its own setting (OS_REGION_NAME by default), else the cloud's (config.go:106-115).
    let region = openstack.region ?? nonEmpty(env.OS_REGION_NAME);
    let auth: Mutable<AuthInfo>;
    let authType: string | undefined;
    let source: string;
    if (cloudName) {
        const { cloud, file } = cloudFromYaml(cloudName, region, at);
        auth = authFromYaml(cloud.auth as Record<string, unknown> | undefined);
        authType = typeof cloud.auth_type === "string" ? cloud.auth_type : undefined;
        if (!region && typeof cloud.region_name === "string" && cloud.region_name) region = cloud.region_name;
        source = `cloud ${cloudName} of ${file}`;
    } else {
        // The provider's settings: application_credential_id from the site, the rest from OS_* (its defaults).
        auth = {
            applicationCredentialId: openstack.applicationCredentialId,
            // OS_DEFAULT_DOMAIN defaults to "default" in the provider's schema (provider.go:156-161).
            defaultDomain: nonEmpty(env.OS_DEFAULT_DOMAIN) ?? "default",
        };
        source = "the OS_* environment" + (openstack.applicationCredentialId ? " and site.openstack.applicationCredentialId" : "");
    }
    for (const [field, names] of envFill) {
        if (auth[field]) continue;
        for (const name of names) if (nonEmpty(env[name])) auth[field] = env[name];
    }
    if (!auth.authUrl) throw new LoginError(`no Keystone URL: ${cloudName ? `cloud ${cloudName} has no auth.auth_url, and OS_AUTH_URL is not set` : "set site.openstack.cloud (an entry of clouds.yaml) or OS_AUTH_URL"}`);
    return { auth: scoped(auth), authType, region, interface: endpointInterface(nonEmpty(env.OS_ENDPOINT_TYPE)), source };
}

/** Domains as v3auth settles them before the scope (requests.go:653-685, setDomainIfNeeded). */
function scoped(auth: Mutable<AuthInfo>): AuthInfo {
    const isAppCred = Boolean(auth.applicationCredentialId || auth.applicationCredentialName || auth.applicationCredentialSecret);
    const projectScoped = Boolean(auth.projectId || auth.projectName);
    if (isAppCred || projectScoped) {
        if (auth.domainId) {
            auth.userDomainId ??= auth.domainId;
            auth.projectDomainId ??= auth.domainId;
            auth.domainId = undefined;
        }
        if (auth.domainName) {
            auth.userDomainName ??= auth.domainName;
            auth.projectDomainName ??= auth.domainName;
            auth.domainName = undefined;
        }
        if (auth.defaultDomain) {
            if (!auth.userDomainName && !auth.userDomainId) auth.userDomainId = auth.defaultDomain;
            if (!auth.projectDomainName && !auth.projectDomainId) auth.projectDomainId = auth.defaultDomain;
        }
    }
    return auth;
}

function userOf(a: AuthInfo): Record<string, unknown> {
    if (a.userId) return { id: a.userId };
    const domain = a.userDomainId ? { id: a.userDomainId } : a.userDomainName ? { name: a.userDomainName } : undefined;
    return { name: a.username, ...(domain ? { domain } : {}) };
}

/**
 * The body of POST /v3/auth/tokens for the login (keystone@30ef2ffa api-ref/source/v3/authenticate-v3.inc,
 * application-credentials.inc:108-180): a token, an application credential (which carries its own
 * scope), or a password, scoped to the project, else the domain, else the system.
 */
export function tokenRequest(login: Login): Record<string, unknown> {
    const a = login.auth;
    const useToken = Boolean(a.token) || (login.authType ?? "").includes("token");
    let identity: Record<string, unknown>;
    if (useToken) {
        if (!a.token) throw new LoginError(`${login.source}: auth_type token without a token`);
        identity = { methods: ["token"], token: { id: a.token } };
    } else if (a.applicationCredentialId || a.applicationCredentialName || a.applicationCredentialSecret) {
        if (!a.applicationCredentialSecret) throw new LoginError(`${login.source}: an application credential without its secret (set OS_APPLICATION_CREDENTIAL_SECRET)`);
        if (!a.applicationCredentialId && !(a.applicationCredentialName && (a.userId || a.username))) {
            throw new LoginError(`${login.source}: an application credential needs its ID, or its name and its user`);
        }
        const credential = a.applicationCredentialId ? { id: a.applicationCredentialId, secret: a.applicationCredentialSecret } : { name: a.applicationCredentialName, secret: a.applicationCredentialSecret, user: userOf(a) };
        return { auth: { identity: { methods: ["application_credential"], application_credential: credential } } };
    } else {
        if (!(a.userId || a.username) || a.password === undefined) throw new LoginError(`${login.source}: no credentials (a user and password, a token or an application credential)`);
        identity = { methods: ["password"], password: { user: { ...userOf(a), password: a.password } } };
    }
    let scope: Record<string, unknown> | undefined;
    if (a.projectId) scope = { project: { id: a.projectId } };
    else if (a.projectName) {
        const domain = a.projectDomainId ? { id: a.projectDomainId } : a.projectDomainName ? { name: a.projectDomainName } : undefined;
        scope = { project: { name: a.projectName, ...(domain ? { domain } : {}) } };
    }
    else if (a.domainId) scope = { domain: { id: a.domainId } };
    else if (a.domainName) scope = { domain: { name: a.domainName } };
    else if (a.systemScope) scope = { system: { all: true } };
    return { auth: { identity, ...(scope ? { scope } : {}) } };
}
