// The rucio-webui chart's values and the web UI's .env: Rucio's web UI at its own host, logging
// users in with the site's IAM. The web UI (rucio/webui 40.x, a Next.js application behind
// Apache in the rucio-webui image) sends the IAM token it gets to Rucio as the user's Rucio token.
//
// Why a mounted .env instead of the image's generator: the image writes .env from RUCIO_WEBUI_*
// variables only when none is mounted (containers@webui-40.2.0:webui/docker-entrypoint.sh:31-37);
// that generator prints every such variable, secrets included, to the log
// (webui@40.1.2:tools/env-generator/src/api/base.ts:163-165), writes NEXT_PUBLIC_WEBUI_HOST as
// http:// unless the pod itself serves TLS (tools/env-generator/src/templates/.env.liquid:2-7), and the chart passes
// config.oidc_providers.*.client_secret as a plain value. So the file is rendered here, with
// nothing secret in it, and the secrets come as environment variables from a Secret: Next.js
// lets the process environment win over .env, and the web UI reads both through process.env
// (webui@40.1.2:src/lib/infrastructure/gateway/env-config-gateway.ts, get()).
import { ingressValues, secretEnv, secretKeys, serverServiceUrl, webPods, webService, webuiImageTag, type RucioChartArgs } from "./charts";
import { versions } from "../../../config/versions";
import { rucioAudience, rucioExpectedScopes } from "./server-config";
import { iamEndpoints } from "../../identity/iam-endpoints";

/** The web UI's name for the site's IAM: its NextAuth provider id, so part of the callback path. */
export const webuiOidcProvider = "iam";

/**
 * Where IAM sends the browser back after a web UI login: NextAuth's callback of the provider
 * (webui@40.1.2:src/lib/infrastructure/auth/oidc-providers.ts:41-49, id = the name lowercased;
 * .env.development.local.template:52-53). The rucioWebui IAM client must register exactly this.
 */
export function webuiRedirectUri(webuiHostname: string): string {
    return `https://${webuiHostname}/api/auth/callback/${webuiOidcProvider}`;
}

/** What the web UI asks IAM for: Rucio's expected scopes, e-mail for its profile, and a refresh token to stay logged in. */
export const webuiLoginScopes: readonly string[] = [...rucioExpectedScopes, "email", "offline_access"];

/** The web UI's .env (dotenv), read by its build at start-up and by the server. */
export function webuiEnvFile(args: RucioChartArgs): string {
    if (!args.webuiClientId) throw new Error("the web UI's .env needs its IAM client's ID");
    const webui = `https://${args.webuiHostname}`;
    const rucio = serverServiceUrl(args.namespace);
    const provider = `OIDC_PROVIDER_${webuiOidcProvider.toUpperCase()}`;
    const iam = iamEndpoints(args.issuer);
    const entries: [string, string][] = [
        // The browser's base for the web UI's own API (webui@40.1.2:src/app/(rucio)/did/queries.ts:4).
        ["NEXT_PUBLIC_WEBUI_HOST", webui],
        ["PROJECT_URL", webui],
        // IAM only: Rucio's userpass stays on the API for root.
        ["ENABLE_USERPASS_LOGIN", "false"],
        ["RULE_ACTIVITY", "User Subscriptions"],
        // NextAuth: its public URL (secure cookies when https: src/proxy.ts:52-55), behind Traefik.
        ["NEXTAUTH_URL", webui],
        ["AUTH_TRUST_HOST", "true"],
        ["NODE_TLS_REJECT_UNAUTHORIZED", "1"],
        // Its server-side calls go to the server inside the cluster: no certificate of a staging
        // ACME issuer to trust, no detour through the load balancer.
        ["RUCIO_HOST", rucio],
        ["RUCIO_AUTH_HOST", rucio],
        ["PARAMS_ENCODING_ENABLED", "false"],
        ["FEATURE_DDM_DASHBOARD", "false"],
        ["OIDC_ENABLED", "true"],
        // The audience the web UI asks IAM for, which Rucio then expects ([oidc] expected_audience).
        ["OIDC_EXPECTED_AUDIENCE_CLAIM", rucioAudience],
        ["OIDC_PROVIDERS", webuiOidcProvider],
        [`${provider}_CLIENT_ID`, args.webuiClientId],
        [`${provider}_AUTHORIZATION_URL`, iam.authorize],
        [`${provider}_TOKEN_URL`, iam.token],
        [`${provider}_REFRESH_TOKEN_URL`, iam.token],
        [`${provider}_USERINFO_URL`, iam.userinfo],
        // Required by its configuration check (env-config-gateway.ts:62); NextAuth derives the same URI.
        [`${provider}_REDIRECT_URL`, webuiRedirectUri(args.webuiHostname)],
        // Byte for byte: the identity it looks up in Rucio is SUB=<sub>, ISS=<this> when the profile has no iss (auth.config.ts:249-254).
        [`${provider}_ISSUER`, args.issuer],
        // Comma-separated (env-config-gateway.ts:71-72).
        [`${provider}_SCOPES`, webuiLoginScopes.join(",")],
        ["MULTIVO_ENABLED", "false"],
        ["VO_DEFAULT", "def"],
        ["VO_LIST", "def"],
        ["VO_DEF_NAME", "default"],
    ];
    for (const [key, value] of entries) {
        if (/[\r\n"'#$\\]/.test(value)) throw new Error(`web UI .env: ${key} holds a character dotenv would not keep`);
    }
    return entries.map(([key, value]) => (/\s/.test(value) ? `${key}="${value}"` : `${key}=${value}`)).join("\n").concat("\n");
}

/** The secrets the web UI reads from its environment, by name (over anything in .env). */
export function webuiSecretEnv(args: RucioChartArgs): ReturnType<typeof secretEnv>[] {
    const s = args.secrets.webui;
    return [
        secretEnv(`OIDC_PROVIDER_${webuiOidcProvider.toUpperCase()}_CLIENT_SECRET`, s, secretKeys.webuiClientSecret),
        // The same key for both names, as the image's generator does (webui@40.1.2:tools/env-generator/src/api/base.ts:66-81):
        // cookies signed by one replica are read by the other.
        secretEnv("AUTH_SECRET", s, secretKeys.webuiSessionSecret),
        secretEnv("NEXTAUTH_SECRET", s, secretKeys.webuiSessionSecret),
    ];
}

/** The chart's config.webui keys, deleted (their RUCIO_WEBUI_* variables would only feed the generator the .env replaces). */
const unusedWebuiKeys = [
    "rucio_host",
    "rucio_auth_host",
    "project_url",
    "params_encoding_enabled",
    "enable_userpass_login",
    "list_dids_initial_pattern",
    // The entrypoint would download it at every start, and stop the pod if it could not.
    "community_logo_url",
    "rule_activity",
    "multivo_enabled",
    "vo_list",
    "vo_default",
    "oidc_enabled",
    "oidc_providers",
];

export function rucioWebuiValues(args: RucioChartArgs): Record<string, unknown> {
    return {
        // Apache in the pod listens on 80 and passes requests to the application.
        ...webPods(args, { repository: versions.rucioWebuiImage, tag: webuiImageTag }),
        // The chart's default allocateLoadBalancerNodePorts: true would be written into this ClusterIP
        // Service, and Kubernetes takes the field on LoadBalancer Services only (its Service validation;
        // kubernetes pkg/registry/core/service/strategy.go dropTypeDependentFields clears it when a
        // Service stops being one). The schemas do not see that; the API server would refuse it.
        service: { ...webService, allocateLoadBalancerNodePorts: null },
        // The chart's default annotations are ingress-nginx's TLS passthrough.
        ingress: ingressValues(args.webuiHostname, args, ["nginx.ingress.kubernetes.io/ssl-passthrough", "nginx.ingress.kubernetes.io/ssl-redirect"]),
        config: {
            // Apache's plain-HTTP virtual host proxies to http://<hostname>:3000, where the application
            // listens (containers@webui-40.2.0:webui/rucio.conf.j2:113-119): localhost, not the public name.
            webui: { hostname: "localhost", ...Object.fromEntries(unusedWebuiKeys.map((k) => [k, null])) },
            oidc_providers: null,
            vo: null,
            // The chart's log sidecars run an untagged busybox (its templates/deployment.yaml), which cannot be pinned.
            logs: { exposeHttpdLogs: false, exposeWebuiLogs: false },
        },
        secretMounts: [{ volumeName: "webui-env", secretFullName: args.secrets.webuiEnv, mountPath: "/opt/rucio/webui/.env", subPath: secretKeys.webuiEnv }],
        additionalEnvs: webuiSecretEnv(args),
        // The image builds the application at every start (docker-entrypoint.sh: npm run build).
        resources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "3Gi" } },
    };
}
