// rucio-jupyterlab's configuration (replica mode) and rucio.cfg for the Rucio command line, both
// reading the user's current access token from the token file the notebook's agent keeps.
import type { RucioModel } from "../../../config/derive";
import type { NotebookDataPlan } from "../plan";
import type { MountedFile } from "./hub-auth";

export interface NotebookRucioArgs {
    /** The RSE's name as registered (a test site's has a random suffix). */
    readonly rseName: string;
    readonly rucio: RucioModel;
    readonly data: NotebookDataPlan;
    /** The current access token's file (plan.ts tokenFile). */
    readonly tokenFile: string;
    /** A display name for the Rucio instance (the site's name). */
    readonly siteName: string;
    /**
     * CA certificates (PEM) that sign Rucio's certificates when they are not public roots (an
     * external Rucio's rucio.caCertificate): mounted, and trusted instead of the system bundle.
     */
    readonly caCertificates?: string;
}

/** The system CA bundle of the notebook image (Ubuntu's ca-certificates, in every docker-stacks image). */
export const systemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

/**
 * Where the notebook finds both files. Jupyter reads jupyter_server_config.json from each
 * directory of its config path, /usr/local/etc/jupyter among them (jupyter/jupyter
 * docs/source/projects/system.rst, "Configuration"); the docker-stacks images keep their own
 * settings in /etc/jupyter, so this directory holds ours alone. /opt/rucio/etc is the Rucio
 * client's last default directory (rucio/rucio@40.4.1:lib/rucio/common/config.py:707-721), and
 * RUCIO_CONFIG names the file outright (config.py:774-775).
 */
export const notebookRucioPaths = {
    jupyterServerConfig: "/usr/local/etc/jupyter/jupyter_server_config.json",
    rucioCfg: "/opt/rucio/etc/rucio.cfg",
    /** Rucio's own CAs, when the config names them. */
    rucioCa: "/etc/srcnet/rucio-ca.pem",
} as const;

/** The CA bundle both clients verify Rucio's certificate with. */
export function rucioCaBundle(args: Pick<NotebookRucioArgs, "caCertificates">): string {
    return args.caCertificates ? notebookRucioPaths.rucioCa : systemCaBundle;
}

/** The extension's name of the instance: a stable, machine-readable identifier (its docs suggest the FQDN). */
export function rucioInstanceName(rucio: RucioModel): string {
    return new URL(rucio.serverUrl).hostname;
}

/**
 * rucio-jupyterlab's instance configuration, as the extension reads it: one element of
 * RucioConfig.instances, checked by the extension against its schema
 * (rucio/jupyterlab-extension@40.0.2:rucio_jupyterlab/config/schema.py; config.py:31).
 */
export function rucioJupyterlabConfig(args: NotebookRucioArgs): Record<string, unknown> {
    return {
        name: rucioInstanceName(args.rucio),
        display_name: args.siteName,
        rucio_base_url: args.rucio.serverUrl,
        // The extension authenticates at rucio_auth_url (rucio/rucio.py:162, authenticators.py).
        rucio_auth_url: args.rucio.authUrl,
        // requests' verify=: a CA bundle path (rucio/rucio.py:163; its default is certifi's bundle).
        rucio_ca_cert: rucioCaBundle(args),
        site_name: args.siteName,
        // Replica mode: Rucio replicates a DID to the site's RSE, and the notebook opens it from the
        // read-only mount (mode_handlers/replica.py: make_available, translate_pfn_to_path).
        mode: "replica",
        destination_rse: args.rseName,
        rse_mount_path: args.data.rse.area.mountPath,
        path_begins_at: args.data.rse.pathBeginsAt,
        // The token is read from the file as it is, on every authentication (rucio/utils.py:24-40):
        // the agent writes it without a trailing newline.
        oidc_auth: "file",
        oidc_file_name: args.tokenFile,
        wildcard_enabled: true,
    };
}

/** The whole RucioConfig section of jupyter_server_config.json (config/config.py:19-23 names its traits). */
export function rucioJupyterlabServerConfig(args: NotebookRucioArgs): { RucioConfig: Record<string, unknown> } {
    const instance = rucioJupyterlabConfig(args);
    // OIDC from the token file is the only way in: no login form to choose from.
    return { RucioConfig: { instances: [instance], default_instance: instance.name, default_auth_type: "oidc" } };
}

/**
 * rucio.cfg for the Rucio clients in the notebook (Rucio 40; the 1.31 test server's client reads
 * the same keys). The user's Rucio account is not written: the IAM-to-Rucio sync names it from
 * the username with collision-safe fallbacks (components/rucio/sync/account_sync.py, "Account
 * names"), so only Rucio knows it. A client without an account sends none
 * (baseclient.py:208-215, 467-468); Rucio takes the token's identity's default account, which the
 * sync sets (rucio@40.4.1:lib/rucio/core/oidc.py:879-882), and `rucio upload` asks whoami for it
 * (lib/rucio/client/uploadclient.py:101-115).
 */
export function rucioClientConfig(args: NotebookRucioArgs): string {
    const client: [string, string][] = [
        ["rucio_host", args.rucio.serverUrl],
        ["auth_host", args.rucio.authUrl],
        // oidc: a token the client is given, never a password (baseclient.py:264-276, 947-970).
        ["auth_type", "oidc"],
        // The client reads its token from this file, first line as is, and would fetch a new one
        // only when the server refuses it (baseclient.py:245-262, 947-970).
        ["auth_token_file_path", args.tokenFile],
        // Used for an https Rucio unless X509_CERT_DIR is set (baseclient.py:195-206).
        ["ca_cert", rucioCaBundle(args)],
        ["request_retries", "3"],
    ];
    return `# Rucio clients in the notebook; written by srcnet-site.\n[client]\n${client.map(([k, v]) => `${k} = ${v}`).join("\n")}\n`;
}

/**
 * Files the notebook mounts for both (by extraFiles key), and the environment that points at them.
 * BEARER_TOKEN_FILE: Rucio 40's OIDC client looks for a WLCG bearer token before its token file
 * (baseclient.py:954-959; common/utils.py:1730-1785: BEARER_TOKEN, BEARER_TOKEN_FILE, then
 * $XDG_RUNTIME_DIR/bt_u<uid>, then /tmp/bt_u<uid>): naming the token file here keeps a stray
 * /tmp/bt_u1000 from taking its place.
 */
export function notebookRucioFiles(args: NotebookRucioArgs): { files: Record<string, MountedFile>; env: Record<string, string> } {
    return {
        files: {
            "rucio-jupyterlab-config": {
                mountPath: notebookRucioPaths.jupyterServerConfig,
                content: `${JSON.stringify(rucioJupyterlabServerConfig(args), null, 2)}\n`,
                mode: 0o644,
            },
            "rucio-client-config": { mountPath: notebookRucioPaths.rucioCfg, content: rucioClientConfig(args), mode: 0o644 },
            ...(args.caCertificates ? { "rucio-ca": { mountPath: notebookRucioPaths.rucioCa, content: args.caCertificates, mode: 0o644 } } : {}),
        },
        env: { RUCIO_CONFIG: notebookRucioPaths.rucioCfg, BEARER_TOKEN_FILE: args.tokenFile },
    };
}
