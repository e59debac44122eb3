// The Job that makes Rucio's database ready for the pinned Rucio release, as plain manifests: it
// runs files/bootstrap-db.py (creates the schema and root on an empty database, upgrades the
// schema and sets root's password on a bootstrapped one; safe to run again) in the rucio-init
// image of that release. Its name is a digest of what it runs, so a new release, a changed script
// or a new rerun key makes a new Job, which Pulumi waits for before the Rucio servers start.
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { versions } from "../../../config/versions";
import type { RucioAuth } from "../rse-registration";
import { projectFile } from "../../project-files";
import { rucioImageTag, secretEnv } from "./charts";
import { databaseUrlEnv } from "./server-config";

/** The script, by its path from the project root. */
export const bootstrapScriptPath = "components/rucio/files/bootstrap-db.py";
const scriptName = "bootstrap-db.py";
const scriptDir = "/srcnet";

/** The rucio-init image of the pinned release. */
export const rucioInitImage = `${versions.rucioInitImage}:${rucioImageTag}`;

/** Root's userpass username when the site sets none. */
export const defaultRootUsername = "root";

/** The login of the site's own Rucio as root, the identity the bootstrap Job gives the password. */
export const rootLogin = (password: string): RucioAuth => ({ method: "userpass", account: "root", username: defaultRootUsername, password });

/** A key of a Secret, as a pod's environment refers to it. */
export interface SecretKeyRef {
    readonly name: string;
    readonly key: string;
}

export interface InitJobArgs {
    /** Prefix of the Job's and the ConfigMap's names, such as "rucio-db-init". */
    readonly name: string;
    /** Placed as given: known at deploy time only. */
    readonly namespace: pulumi.Input<string>;
    /** Rucio's SQLAlchemy URL in rucio.cfg form (database.ts rucioConfigValue). */
    readonly databaseUrl: SecretKeyRef;
    /** Root's password. */
    readonly rootPassword: SecretKeyRef;
    readonly rootUsername?: string;
    /** Email of root's identity (Rucio requires one). */
    readonly rootEmail?: string;
    /** [database] schema, when Rucio's tables live in a schema of their own; the servers' rucio.cfg must say the same. */
    readonly schema?: string;
    /**
     * Anything whose change must run the Job again although image and script are the same, such
     * as a revision of root's password (rotation). Never a secret itself: it becomes part of a name.
     */
    readonly rerunKey?: string;
}

export interface InitJobManifests {
    readonly configMap: k8s.core.v1.ConfigMapArgs;
    readonly job: k8s.batch.v1.JobArgs;
}

/** Non-root, as any UID can run the image's python3 and Rucio (installed by root, world-readable). */
const runAs = 10001;

/** How long the script waits for the database (a new cluster is still starting when the Job is). */
export const databaseWaitSeconds = 600;

export function initJobManifests(a: InitJobArgs): InitJobManifests {
    const script = projectFile(bootstrapScriptPath);
    const env: k8s.types.input.core.v1.EnvVar[] = [
        // The image's own variable names (rucio/containers@40.4.1:init/README.md:25-44).
        secretEnv(databaseUrlEnv, a.databaseUrl.name, a.databaseUrl.key),
        ...(a.schema ? [{ name: "RUCIO_CFG_DATABASE_SCHEMA", value: a.schema }] : []),
        { name: "RUCIO_CFG_BOOTSTRAP_USERPASS_IDENTITY", value: a.rootUsername ?? defaultRootUsername },
        secretEnv("RUCIO_CFG_BOOTSTRAP_USERPASS_PWD", a.rootPassword.name, a.rootPassword.key),
        ...(a.rootEmail ? [{ name: "RUCIO_CFG_BOOTSTRAP_USERPASS_EMAIL", value: a.rootEmail }] : []),
        { name: "SRCNET_DATABASE_WAIT_SECONDS", value: String(databaseWaitSeconds) },
        { name: "HOME", value: "/tmp" },
        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    ];
    const digest = createHash("sha256")
        .update(JSON.stringify({ image: rucioInitImage, script, env, rerunKey: a.rerunKey ?? "" }))
        .digest("hex")
        .slice(0, 10);
    const name = `${a.name}-${digest}`;
    const labels = { "app.kubernetes.io/name": "rucio-db-init", "app.kubernetes.io/part-of": "rucio" };
    return {
        configMap: {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name, namespace: a.namespace, labels },
            // Its name changes with its content: a running Job never sees it change.
            immutable: true,
            data: { [scriptName]: script },
        },
        job: {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: { name, namespace: a.namespace, labels },
            spec: {
                // No ttlSecondsAfterFinished: a finished Job stays, so Pulumi sees it and does not run it again.
                backoffLimit: 3,
                template: {
                    metadata: { labels },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, runAsUser: runAs, runAsGroup: runAs, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "bootstrap",
                                image: rucioInitImage,
                                // Instead of the image's entrypoint, which is not safe to run again (the script says why).
                                command: ["python3", `${scriptDir}/${scriptName}`],
                                env,
                                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [
                                    { name: "script", mountPath: scriptDir, readOnly: true },
                                    // The script's rucio.cfg and alembic.ini, private to the pod.
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "script", configMap: { name, defaultMode: 0o444 } },
                            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
                        ],
                    },
                },
            },
        },
    };
}
