// What the site's three Rucio releases (rucio-server, rucio-daemons, rucio-webui, charts 40.0.0)
// share: their arguments, the Secrets their values reference, and the pieces every chart's values
// are made of (pinned images, the ingress, the secret mounts, the database URL).
import type { AcmeServer } from "../../../config/derive";
import { versions } from "../../../config/versions";
import { ingressTls } from "../../certs/render/issuers";
import { databaseUrlEnv, idpSecretsPath } from "./server-config";

/** Release names; with the chart's name in them the charts name their objects after the release alone. */
export const rucioReleases = { server: "rucio-server", daemons: "rucio-daemons", webui: "rucio-webui" } as const;

/**
 * Rucio's images are tagged release-<version>; the web UI's carry its own release
 * (containers@webui-40.2.0:.github/workflows/docker-auto-build.yml:119-120,162).
 */
export const rucioImageTag = `release-${versions.rucio}`;
export const webuiImageTag = `release-${versions.rucioWebui}`;

/** The busybox that tails the server's Apache error log, as the chart takes it. */
export const logTailImage = (([image, tag]) => ({ image, tag }))(versions.logTailImage.split(":")) as { readonly image: string; readonly tag: string };

/** The names of the Secrets the values reference; the component creates exactly these (rucioSecrets). */
export interface RucioSecretNames {
    readonly idpSecrets: string;
    readonly databaseUrl: string;
    /** The web UI's IAM client secret and its session key. */
    readonly webui: string;
    /** The web UI's configuration file (nothing secret, but the chart mounts only Secrets). */
    readonly webuiEnv: string;
}

export interface RucioChartArgs {
    /** A production site runs two of each web-facing pod; a test site one. */
    readonly environment: "test" | "production";
    /** The namespace the three releases share. */
    readonly namespace: string;
    /** rucio.<domain>: the REST API and its auth API. */
    readonly serverHostname: string;
    /** The web UI's own host: it serves from / (its login callback is /api/auth/callback/<provider>), as the server does. */
    readonly webuiHostname: string;
    /** The site's IAM issuer, exactly as in its tokens. */
    readonly issuer: string;
    /** The issuer's key in idpsecrets.json. */
    readonly issuerName: string;
    /** The web UI's IAM client (role rucioWebui); its secret is in the webui Secret. Only the web UI's values read it. */
    readonly webuiClientId?: string;
    readonly ingressClass: string;
    readonly acmeServer: AcmeServer;
    readonly lfn2pfnAlgorithm?: "hash" | "identity";
    readonly secrets: RucioSecretNames;
}

export type RucioChart = "server" | "daemons" | "webui";

/** Where each referenced Secret key's content comes from, for the component to fill it. */
export type SecretContent =
    | "idpsecrets.json" // idpSecrets() over Rucio's IAM client
    | "database-url" // postgresql+psycopg://user:password@host:5432/db
    | "webui-client-secret" // the rucioWebui IAM client's secret
    | "webui-session-secret" // a random string, generated once and kept
    | "webui-env"; // webuiEnvFile()

export interface SecretKeySpec {
    readonly key: string;
    readonly content: SecretContent;
    readonly description: string;
}

export interface ReferencedSecret {
    readonly name: string;
    readonly keys: readonly SecretKeySpec[];
    readonly usedBy: readonly RucioChart[];
    /** Its values are secrets (as Pulumi secrets, never in plaintext). */
    readonly sensitive: boolean;
}

/** The keys of the referenced Secrets. */
export const secretKeys = {
    idpSecrets: "idpsecrets.json",
    databaseUrl: "url",
    webuiClientSecret: "client-secret",
    webuiSessionSecret: "session-secret",
    webuiEnv: ".env",
} as const;

/** Every Secret the three releases' values reference, with its keys. */
export function rucioSecrets(names: RucioSecretNames): ReferencedSecret[] {
    return [
        {
            name: names.idpSecrets,
            keys: [{ key: secretKeys.idpSecrets, content: "idpsecrets.json", description: "Rucio's IAM client (idpSecrets), mounted at " + idpSecretsPath }],
            usedBy: ["server", "daemons"],
            sensitive: true,
        },
        {
            name: names.databaseUrl,
            keys: [
                {
                    key: secretKeys.databaseUrl,
                    content: "database-url",
                    // Rucio 40 speaks to PostgreSQL through psycopg 3 only (rucio@40.4.1:pyproject.server.toml:78-82,
                    // lib/rucio/db/sqla/session.py:161-176); ConfigParser would refuse a '%' in it (server-config.ts).
                    description: `SQLAlchemy URL postgresql+psycopg://user:password@host:port/db, without '%'; becomes ${databaseUrlEnv}`,
                },
            ],
            usedBy: ["server", "daemons"],
            sensitive: true,
        },
        {
            name: names.webui,
            keys: [
                { key: secretKeys.webuiClientSecret, content: "webui-client-secret", description: "secret of the web UI's IAM client" },
                { key: secretKeys.webuiSessionSecret, content: "webui-session-secret", description: "key of the web UI's session cookies, shared by its replicas (32 or more random characters)" },
            ],
            usedBy: ["webui"],
            sensitive: true,
        },
        {
            name: names.webuiEnv,
            keys: [{ key: secretKeys.webuiEnv, content: "webui-env", description: "the web UI's .env (webuiEnvFile)" }],
            usedBy: ["webui"],
            sensitive: false,
        },
    ];
}

/** Pods of the web-facing deployments: two in production, so that one may restart while the other serves. */
export const webReplicas = (environment: RucioChartArgs["environment"]) => (environment === "production" ? 2 : 1);

/** A pinned image as the charts take it; a pinned tag need not be pulled again. */
export const pinnedImage = (repository: string, tag: string) => ({ repository, tag, pullPolicy: "IfNotPresent" });

/** The Service in front of the server's and the web UI's pods: plain HTTP on port 80. */
export const webService = { type: "ClusterIP", port: 80, targetPort: 80, protocol: "TCP", name: "http" } as const;

/**
 * What the server's and the web UI's pods share: their count, a rollout that starts the new pod
 * before it stops the old one (a single pod is never gone), the pinned image, no secret looked up
 * by a release-derived name (every one is listed), and plain HTTP on port 80 behind Traefik, which
 * ends TLS.
 */
export function webPods(args: Pick<RucioChartArgs, "environment">, image: { readonly repository: string; readonly tag: string }) {
    return {
        replicaCount: webReplicas(args.environment),
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        image: pinnedImage(image.repository, image.tag),
        useDeprecatedImplicitSecrets: false,
        useSSL: false,
        service: webService,
    };
}

/** The name the charts give their objects (their rucio.fullname helper). */
export function chartFullname(release: string, chart: string): string {
    const name = release.includes(chart) ? release : `${release}-${chart}`;
    return name.slice(0, 63).replace(/-+$/, "");
}

/** The in-cluster URL of the server, for the web UI's server-side requests. */
export function serverServiceUrl(namespace: string): string {
    return `http://${chartFullname(rucioReleases.server, "rucio-server")}.${namespace}.svc`;
}

/**
 * The chart's ingress at one host through the site's ingress class, with a cert-manager
 * certificate. `defaultAnnotations` are the chart's own, removed (a null deletes a default).
 */
export function ingressValues(host: string, args: RucioChartArgs, defaultAnnotations: readonly string[] = []): Record<string, unknown> {
    const tls = ingressTls(host, args.acmeServer);
    return {
        enabled: true,
        ingressClassName: args.ingressClass,
        annotations: { ...Object.fromEntries(defaultAnnotations.map((a) => [a, null])), ...tls.annotations },
        path: "/",
        hosts: [host],
        // The charts list every host of `hosts` under each entry; the secret is the certificate's.
        tls: tls.tls.map((t) => ({ secretName: t.secretName })),
    };
}

/** idpsecrets.json from its Secret, by its full name (no release prefix). */
export function idpSecretsMount(names: RucioSecretNames): Record<string, string> {
    return { volumeName: "idpsecrets", secretFullName: names.idpSecrets, mountPath: idpSecretsPath, subPath: secretKeys.idpSecrets };
}

export const secretEnv = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** [database] default from its Secret: the images merge RUCIO_CFG_* variables into rucio.cfg at start. */
export const databaseUrlEnvVar = (names: RucioSecretNames) => secretEnv(databaseUrlEnv, names.databaseUrl, secretKeys.databaseUrl);
