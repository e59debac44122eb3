// The rucio-daemons chart's values: the daemons that make rules into replicas and take them away
// again, with FTS and the storage reached by token. The chart runs none unless told (every count
// defaults to 0, its values.yaml).
import { versions } from "../../../config/versions";
import { databaseUrlEnvVar, idpSecretsMount, pinnedImage, rucioImageTag, type RucioChartArgs } from "./charts";
import { rucioServerConfig } from "./server-config";

/**
 * Pods per daemon; one each is enough for a site's single RSE (each daemon shares its work among
 * its pods by heartbeats when there are more). Left at 0: the oauth-manager (gone in Rucio 40),
 * hermes (the site runs no message broker and stores no messages: [hermes] in server-config.ts),
 * the conveyor's receiver (needs FTS's broker), stager (tape), throttler and preparer (off unless
 * [conveyor] use_preparer), the dark reaper, automatix, tracer-kronos, the cache consumer, and
 * minos, necromancer and the replica recoverer: they handle replicas declared bad, which a site
 * recovers only from copies elsewhere; a site with such peers turns them on.
 */
export const daemonCounts = {
    // Rules -> transfer requests -> FTS -> replicas.
    judgeEvaluatorCount: 1,
    judgeInjectorCount: 1, // rules created asynchronously
    judgeRepairerCount: 1, // stuck rules
    judgeCleanerCount: 1, // expired rules
    conveyorTransferSubmitterCount: 1,
    conveyorPollerCount: 1,
    conveyorFinisherCount: 1,
    // Subscriptions (rules made for new DIDs that match them).
    transmogrifierCount: 1,
    // Expired DIDs, then their replicas on the storage.
    undertakerCount: 1,
    reaperCount: 1,
    // Account and RSE usage (quotas), and datasets' replica summaries.
    abacusAccountCount: 1,
    abacusRseCount: 1,
    abacusCollectionReplicaCount: 1,
} as const;

/**
 * Requests small enough for a test cluster: the chart's default (700m CPU each) would ask more
 * than a whole node for the daemons alone. No CPU limit (null deletes the chart's), a memory one.
 */
const daemonResources = { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: null, memory: "1Gi" } };

/** The chart's value block of each daemon runs: the name its count carries (judgeEvaluatorCount: judgeEvaluator). */
const components = Object.keys(daemonCounts).map((count) => count.replace(/Count$/, ""));

export function rucioDaemonsValues(args: RucioChartArgs): Record<string, unknown> {
    const perComponent: Record<string, Record<string, unknown>> = Object.fromEntries(components.map((c) => [c, { resources: daemonResources }]));
    // The chart's default limits the submitter to activities 'test1' 'test2'; none means all.
    perComponent.conveyorTransferSubmitter.activities = "";
    // Without a storage-space source the reaper deletes only replicas made obsolete, never those
    // whose rules expired (rucio@40.4.1:lib/rucio/daemons/reaper/reaper.py:329-381); greedy, it
    // removes every replica no rule protects once its tombstone has passed (:342-343).
    perComponent.reaper.greedy = 1;
    const base = rucioServerConfig({ issuerName: args.issuerName, lfn2pfnAlgorithm: args.lfn2pfnAlgorithm });
    return {
        ...daemonCounts,
        ...perComponent,
        image: pinnedImage(versions.rucioDaemonsImage, rucioImageTag),
        // No proxy or CA bundle Secrets looked up by release-derived names: pods would wait for them.
        useDeprecatedImplicitSecrets: false,
        // The chart's [conveyor] defaults point at an X.509 proxy and a CERN CA bundle that do not
        // exist here; with a token FTS is called without either (rucio@40.4.1:lib/rucio/transfertool/fts3.py:923-927).
        config: { ...base, conveyor: { ...base.conveyor, cacert: null, usercert: null } },
        // Every daemon mounts it (the chart's global list): the conveyor and the reaper ask IAM for tokens.
        secretMounts: [idpSecretsMount(args.secrets)],
        additionalEnvs: [databaseUrlEnvVar(args.secrets)],
        // Tokens replace the proxy the fts-cron job would delegate.
        ftsRenewal: { enabled: 0 },
        automaticRestart: { enabled: 0 },
        monitoring: { enabled: false },
    };
}
