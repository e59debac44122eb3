// The rucio-server chart's values: one server answering both the REST API and the auth API at
// rucio.<domain>, behind Traefik, with tokens from the site's IAM.
//
// One instance, not a separate auth server: Rucio 40's application registers the auth endpoints
// with the others unless [api] says otherwise (rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/main.py:30-54,84-99),
// and the image serves that application whatever RUCIO_SERVER_TYPE says
// (containers@40.4.1:server/rucio.conf.j2:101, where RUCIO_SERVER_TYPE is not read). Rucio deployments split
// auth off for X.509, whose client certificates need TLS passed through to Apache; this site's
// clients authenticate with IAM tokens (and root with userpass) over the TLS Traefik ends, so
// auth_host is rucio_host and one certificate covers both.
import { versions } from "../../../config/versions";
import { databaseUrlEnvVar, idpSecretsMount, ingressValues, logTailImage, rucioImageTag, webPods, type RucioChartArgs } from "./charts";
import { rucioServerConfig } from "./server-config";

export function rucioServerValues(args: RucioChartArgs): Record<string, unknown> {
    return {
        // Plain HTTP on port 80, and the /ping health port 81.
        ...webPods(args, { repository: versions.rucioServerImage, tag: rucioImageTag }),
        errorLog: logTailImage,
        ingress: ingressValues(args.serverHostname, args),
        // The chart's probes call /ping on the health port (its templates/deployment.yaml); these are their timings.
        readinessProbe: { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5 },
        livenessProbe: { initialDelaySeconds: 60, periodSeconds: 20, timeoutSeconds: 5 },
        // Four WSGI processes of a few hundred MB each (the chart's wsgi defaults).
        serverResources: { requests: { cpu: "250m", memory: "1Gi" }, limits: { memory: "2Gi" } },
        config: rucioServerConfig({ issuerName: args.issuerName, lfn2pfnAlgorithm: args.lfn2pfnAlgorithm }),
        secretMounts: [idpSecretsMount(args.secrets)],
        additionalEnvs: [databaseUrlEnvVar(args.secrets)],
        // No X.509 proxy for FTS: the site's transfers are submitted by the conveyor with tokens. The
        // server itself calls FTS only to reprioritise transfers already queued, and only with a
        // certificate (rucio@40.4.1:lib/rucio/core/transfer.py:1363-1365): that call fails, and such a
        // transfer keeps its priority.
        ftsRenewal: { enabled: 0 },
        // Restarting pods every night would only hide faults (and run an unmaintained kubectl image).
        automaticRestart: { enabled: 0 },
        monitoring: { enabled: false },
    };
}
