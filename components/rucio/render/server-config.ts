// The rucio.cfg the site's Rucio server and daemons share, as data: section -> option -> value.
// The charts turn their `config:` tree into conf.d/10_common.json, which the images merge over
// their default rucio.cfg, then RUCIO_CFG_<SECTION>_<OPTION> environment variables over that
// (rucio@40.4.1:tools/merge_rucio_configs.py:70-134, called by containers@40.4.1:server/docker-entrypoint.sh:15-23
// and daemons/start-daemon.sh:3-11). Nothing here is secret: the database URL reaches the pods as
// RUCIO_CFG_DATABASE_DEFAULT from a Secret, idpsecrets.json as a mounted Secret.

/** Section -> option -> value, every value a string as rucio.cfg holds it. */
export type RucioCfg = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Where the images read idpsecrets.json (their default rucio.cfg names the same path: containers@40.4.1:server/rucio.config.default.cfg:45-46). */
export const idpSecretsPath = "/opt/rucio/etc/idpsecrets.json";

/**
 * The audience and scopes a token must carry for Rucio to accept it (rucio@40.4.1:lib/rucio/core/oidc.py:65-66,
 * checked at :985 with lib/rucio/common/utils.py:156-215: every expected item must be present).
 * Rucio's own defaults; the web UI asks IAM for the same audience. Every client that sends tokens to
 * this Rucio (the CLI, notebooks' exchanged tokens) must ask for this audience.
 */
export const rucioAudience = "rucio";
export const rucioExpectedScopes: readonly string[] = ["openid", "profile"];

/** The environment variable the images turn into [database] default (merge_rucio_configs.py:40-58,115-126). */
export const databaseUrlEnv = "RUCIO_CFG_DATABASE_DEFAULT";

/**
 * The PostgreSQL JSON metadata plugin: DID metadata as JSON in the Rucio database's did_meta table,
 * searchable with GET /dids/{scope}/dids/search. The same class at 40.4.1 and 1.31.7
 * (lib/rucio/core/did_meta_plugins/json_meta.py:34 and :35); it refuses SQLite
 * (lib/rucio/db/sqla/util.py json_implemented), so it needs the PostgreSQL database.
 * (postgres_meta.ExternalPostgresJSONDidMeta would need a second database and its password in rucio.cfg.)
 */
export const jsonMetadataPlugin = "rucio.core.did_meta_plugins.json_meta.JSONDidMeta";

export interface RucioServerConfigArgs {
    /** The issuer's key in idpsecrets.json; Rucio asks it for the tokens it uses itself. */
    readonly issuerName: string;
    /** For RSEs without an lfn2pfn_algorithm attribute; the site's RSE sets its own. */
    readonly lfn2pfnAlgorithm?: "hash" | "identity";
}

export function rucioServerConfig(args: RucioServerConfigArgs): RucioCfg {
    const cfg: RucioCfg = {
        // The images' default is DEBUG (containers@40.4.1:server/rucio.config.default.cfg:5).
        common: { loglevel: "INFO" },
        oidc: {
            idpsecrets: idpSecretsPath,
            // Its entry's client_id/client_secret get Rucio's own client_credentials tokens: for FTS
            // (audience the FTS host, scope fts) and for the storage (audience the davs hosts, scopes
            // storage.*:<path>) when every RSE of a transfer or deletion has oidc_support
            // (rucio@40.4.1:lib/rucio/core/oidc.py:120-151,227-260; transfertool/fts3.py:305-316,911-919,1029-1041;
            // daemons/reaper/reaper.py:619-627). The account sync and the web UI use other clients.
            admin_issuer: args.issuerName,
            expected_audience: rucioAudience,
            expected_scope: rucioExpectedScopes.join(" "),
        },
        // Read when the section exists (rucio@40.4.1:lib/rucio/core/did_meta_plugins/__init__.py:39-46; 1.31.7 :41-48).
        metadata: { plugins: jsonMetadataPlugin },
        // The generic permission and schema modules (no policy package): rucio@40.4.1:lib/rucio/core/permission/__init__.py:45-62,
        // lib/rucio/common/policy.py:36-49, lib/rucio/common/config.py:729.
        policy: { permission: "generic", schema: "generic", lfn2pfn_algorithm_default: args.lfn2pfnAlgorithm ?? "hash" },
        conveyor: {
            // Tokens are used only for davs (fts3.py:305-316), the scheme of the site's RSE; the images'
            // default list lacks it (containers@40.4.1:daemons/rucio.config.default.cfg:48).
            scheme: "davs",
            transfertool: "fts3",
            // The poller asks FTS for transfer states with a token too (rucio@40.4.1:lib/rucio/daemons/conveyor/poller.py:175).
            // Rucio 1.31's [conveyor] allow_user_oidc_tokens / request_oidc_scope / request_oidc_audience
            // (its transfertool/fts3.py:75-77) are gone in 40, which needs no key to use tokens: the RSE
            // attribute oidc_support=True on both ends and a davs protocol decide (fts3.py:975-984).
            poller_oidc_support: "True",
        },
        // Without a services list Rucio stores a message per event for ActiveMQ and e-mail
        // (rucio@40.4.1:lib/rucio/core/message.py:50, 1.31.7 :51) that only hermes would ever
        // send and delete; the site runs no broker, so nothing is stored. An empty list is no service
        // (lib/rucio/common/config.py:619-628).
        hermes: { services_list: "" },
    };
    checkCfg(cfg);
    return cfg;
}

/**
 * Refuses what the images' merge or Rucio's reader would choke on: both use ConfigParser with its
 * default interpolation (merge_rucio_configs.py:79, lib/rucio/common/config.py:772), where a lone
 * '%' is an error, and a line break would end the value.
 */
export function checkCfg(cfg: RucioCfg): void {
    for (const [section, options] of Object.entries(cfg)) {
        if (!/^[a-z][a-z0-9_-]*$/.test(section)) throw new Error(`rucio.cfg section "${section}" is not a section name`);
        for (const [option, value] of Object.entries(options)) {
            if (!/^[a-z][a-z0-9_-]*$/.test(option)) throw new Error(`rucio.cfg option [${section}] "${option}" is not an option name`);
            if (typeof value !== "string") throw new Error(`rucio.cfg [${section}] ${option} must be a string`);
            if (/[\r\n]/.test(value)) throw new Error(`rucio.cfg [${section}] ${option} spans lines`);
            if (value.replace(/%%/g, "").includes("%")) throw new Error(`rucio.cfg [${section}] ${option} holds a '%', which ConfigParser reads as interpolation`);
        }
    }
}

/** rucio.cfg as INI text, for a Rucio run outside the charts (the test server). */
export function rucioCfgText(cfg: RucioCfg): string {
    checkCfg(cfg);
    return Object.entries(cfg)
        .map(([section, options]) => [`[${section}]`, ...Object.entries(options).map(([k, v]) => (v === "" ? `${k} =` : `${k} = ${v}`))].join("\n"))
        .join("\n\n")
        .concat("\n");
}
