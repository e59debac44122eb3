// The hub's authentication as jupyterhub_config.py text, and the files and command that hand the
// user's token to the notebook. One function serves the chart (hub.extraConfig) and the real
// JupyterHub in the tests. How the token chain works: the docstrings of ../hub/srcnet_iam_auth.py
// (hub side) and ../notebook/srcnet-token-agent (notebook side).
import { posix } from "node:path";
import { projectFile } from "../../project-files";
import { iamEndpoints } from "../../identity/iam-endpoints";
import { hubLoginScopes, hubOauthCallback, notebookTokenApiPath, tokenFile } from "../plan";

/** Environment variables the hub reads its secrets from (a Kubernetes Secret in the chart). */
export const hubSecretEnv = {
    loginClientSecret: "SRCNET_LOGIN_CLIENT_SECRET",
    exchangeClientSecret: "SRCNET_EXCHANGE_CLIENT_SECRET",
    /**
     * JupyterHub's own variable for the auth_state key(s), which CryptKeeper reads when no config
     * sets them: the tests' hub. The chart sets CryptKeeper.keys from its Secret instead.
     */
    cryptKey: "JUPYTERHUB_CRYPT_KEY",
} as const;

/**
 * How the token file is kept fresh. The hub refreshes a user at most every authRefreshAge seconds,
 * on a request; the agent's polls are such requests. The hub renews the token once it has less
 * than refreshMargin left, so a renewal needs margin > authRefreshAge + poll + minValidity: then
 * some poll sees less than the margin left while the token still has more than minValidity.
 */
export interface TokenTiming {
    /** JupyterHub's Authenticator.auth_refresh_age. */
    readonly authRefreshAgeSeconds: number;
    /** How often the notebook's agent asks the hub. */
    readonly pollSeconds: number;
    /** The agent never writes a token with less left, and deletes the file that long before expiry. */
    readonly minValiditySeconds: number;
    /** The hub renews the notebook token at IAM when it has less than this left. */
    readonly refreshMarginSeconds: number;
}

/** For IAM's default access-token lifetime of an hour: renewed once an hour, with 5 minutes left. */
export const defaultTokenTiming: TokenTiming = { authRefreshAgeSeconds: 60, pollSeconds: 30, minValiditySeconds: 60, refreshMarginSeconds: 300 };

export function checkTokenTiming(t: TokenTiming): void {
    const needed = t.authRefreshAgeSeconds + t.pollSeconds + t.minValiditySeconds;
    if (!(t.refreshMarginSeconds > needed)) {
        throw new Error(`the refresh margin (${t.refreshMarginSeconds}s) must exceed auth_refresh_age + poll + minimum validity (${needed}s), or the token file empties before a renewal`);
    }
}

export interface HubAuthSettings {
    /** The site IAM's issuer, byte for byte. */
    readonly issuer: string;
    /** https://jupyter.<domain>: the hub's public URL (its OAuth callback is /hub/oauth_callback). */
    readonly hubUrl: string;
    readonly loginClientId: string;
    readonly exchangeClientId: string;
    /** Scopes the exchange asks for (identity/plan.ts notebookExchangeScopes). */
    readonly exchangeScopes: readonly string[];
    /** The audience the exchanged token carries (Rucio's expected audience). */
    readonly audience: string;
    /** jupyterhub.allowedGroups; empty lets every IAM user in. */
    readonly allowedGroups: readonly string[];
    /** jupyterhub.admins: IAM usernames. */
    readonly admins: readonly string[];
    /** A private CA bundle path the hub trusts for IAM (tests), when IAM's certificate is not public. */
    readonly caBundle?: string;
    /** The refresh timing; defaultTokenTiming when not given. */
    readonly timing?: TokenTiming;
    /** Where the authenticator module is (hubFiles' directory when not given). */
    readonly authModuleDir?: string;
    /** The login page's "Sign in with ..." name. */
    readonly loginService?: string;
}

/** A file mounted into a pod. */
export interface MountedFile {
    readonly mountPath: string;
    readonly content: string;
    /** Octal file mode, as a number (0o644). */
    readonly mode: number;
}

/** The authenticator module, where the hub pod finds it (beside z2jh's /usr/local/etc/jupyterhub). */
export const authModule = { source: "components/jupyterhub/hub/srcnet_iam_auth.py", mountPath: "/usr/local/etc/jupyterhub/srcnet/srcnet_iam_auth.py", className: "SrcnetIamAuthenticator" } as const;

/** The notebook's token agent and start wrapper. */
export const tokenAgent = { source: "components/jupyterhub/notebook/srcnet-token-agent", mountPath: "/opt/srcnet/bin/srcnet-token-agent" } as const;

/** A Python literal: JSON strings, lists of strings and numbers are Python as they are. */
const py = (value: string | number | readonly string[]): string => JSON.stringify(value);
const pyBool = (value: boolean) => (value ? "True" : "False");

/** jupyterhub_config.py text for the authentication and the token chain. */
export function hubAuthConfig(settings: HubAuthSettings): string {
    const timing = settings.timing ?? defaultTokenTiming;
    checkTokenTiming(timing);
    const iam = iamEndpoints(settings.issuer);
    const moduleDir = settings.authModuleDir ?? posix.dirname(authModule.mountPath);
    const moduleName = posix.basename(authModule.source, ".py");
    const lines = [
        "# srcnet-site: IAM login, and notebook tokens for the whole session (components/jupyterhub/render/hub-auth.ts).",
        "import os",
        "import sys",
        "",
        `sys.path.insert(0, ${py(moduleDir)})`,
        "from jupyterhub.roles import get_default_roles",
        "",
        `c.JupyterHub.authenticator_class = ${py(`${moduleName}.${authModule.className}`)}`,
        "# auth_state holds the notebook token, encrypted with CryptKeeper's keys.",
        "c.Authenticator.enable_auth_state = True",
        `c.Authenticator.auth_refresh_age = ${timing.authRefreshAgeSeconds}`,
        "c.Authenticator.refresh_pre_spawn = True",
        `a = c.${authModule.className}`,
        `a.login_service = ${py(settings.loginService ?? "IAM")}`,
        `a.client_id = ${py(settings.loginClientId)}`,
        `a.client_secret = os.environ[${py(hubSecretEnv.loginClientSecret)}]`,
        "# IAM's clients authenticate with client_secret_basic (identity/plan.ts clientMetadata).",
        "a.basic_auth = True",
        `a.oauth_callback_url = ${py(hubOauthCallback(settings.hubUrl))}`,
        `a.authorize_url = ${py(iam.authorize)}`,
        `a.token_url = ${py(iam.token)}`,
        `a.userdata_url = ${py(iam.userinfo)}`,
        `a.scope = ${py([...hubLoginScopes])}`,
        "# IAM usernames, as jupyterhub.admins names them.",
        `a.username_claim = "preferred_username"`,
        `a.exchange_client_id = ${py(settings.exchangeClientId)}`,
        `a.exchange_client_secret = os.environ[${py(hubSecretEnv.exchangeClientSecret)}]`,
        `a.exchange_scopes = ${py([...settings.exchangeScopes])}`,
        `a.exchange_audience = ${py(settings.audience)}`,
        `a.refresh_margin_seconds = ${timing.refreshMarginSeconds}`,
        "# Where the notebook's agent reads the token (SRCNET_TOKEN_API_PATH, the same path).",
        `a.notebook_token_api_path = ${py(notebookTokenApiPath)}`,
        `a.allowed_iam_groups = ${py([...settings.allowedGroups])}`,
        `a.allow_all = ${pyBool(settings.allowedGroups.length === 0)}`,
        `a.admin_users = set(${py([...settings.admins])})`,
        ...(settings.caBundle ? [`a.http_request_kwargs = {"ca_certs": ${py(settings.caBundle)}}`] : []),
        "",
        "# The server's API token may read its own user's notebook access token (and nothing else",
        "# of the auth_state): a custom scope, held by every user for themselves and requested for",
        "# the server token through the server role (JupyterHub 3.0 and 5.x alike).",
        // The scope is the module's own, which its endpoint requires.
        `from ${moduleName} import NOTEBOOK_TOKEN_SCOPE as notebook_token_scope`,
        "custom_scopes = c.JupyterHub.custom_scopes",
        "custom_scopes = custom_scopes if isinstance(custom_scopes, dict) else custom_scopes.get_value({})",
        'custom_scopes[notebook_token_scope] = {"description": "Read your own current notebook access token."}',
        "c.JupyterHub.custom_scopes = custom_scopes",
        "load_roles = c.JupyterHub.load_roles",
        "load_roles = list(load_roles) if isinstance(load_roles, list) else load_roles.get_value([])",
        "for default_role in get_default_roles():",
        '    if default_role["name"] not in ("user", "server"):',
        "        continue",
        '    role = next((r for r in load_roles if r["name"] == default_role["name"]), None)',
        "    if role is None:",
        '        role = {"name": default_role["name"], "scopes": list(default_role["scopes"])}',
        "        load_roles.append(role)",
        '    role["scopes"] = sorted(set(role.get("scopes", [])) | {notebook_token_scope + "!user"})',
        "c.JupyterHub.load_roles = load_roles",
        "",
    ];
    return lines.join("\n");
}

/** The files the hub needs (its authenticator module), by a key usable as a z2jh extraFiles name. */
export function hubFiles(): Record<string, MountedFile> {
    return { "srcnet-iam-auth": { mountPath: authModule.mountPath, content: projectFile(authModule.source), mode: 0o644 } };
}

/** The files the notebook needs to keep its token file current, by extraFiles key. */
export function notebookTokenFiles(): Record<string, MountedFile> {
    return { "srcnet-token-agent": { mountPath: tokenAgent.mountPath, content: projectFile(tokenAgent.source), mode: 0o755 } };
}

/**
 * The notebook container's command: the agent forks its token keeper and becomes the single-user
 * server (exec), which the spawner's arguments follow.
 */
export function notebookCommand(agentPath: string = tokenAgent.mountPath): string[] {
    return [agentPath, "jupyterhub-singleuser"];
}

/** Environment the notebook's token agent reads (the token file's path, the hub's token API and the timing). */
export function notebookTokenEnv(timing: TokenTiming = defaultTokenTiming, file: string = tokenFile): Record<string, string> {
    checkTokenTiming(timing);
    return {
        SRCNET_TOKEN_FILE: file,
        SRCNET_TOKEN_API_PATH: notebookTokenApiPath,
        SRCNET_TOKEN_POLL_SECONDS: String(timing.pollSeconds),
        SRCNET_TOKEN_MIN_VALIDITY_SECONDS: String(timing.minValiditySeconds),
    };
}
