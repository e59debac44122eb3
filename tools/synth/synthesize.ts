// The offline synth: runs the real program for one stack under the recording engine and writes
// plan.json, the rendered artifacts and a diagram. No CLI, no credentials, no cloud.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { siteProgram } from "../../components/site/program";
import { SiteConfigError } from "../../config/load";
import { recordProgram } from "../engine/record";
import { readStackConfig, type StackConfig } from "../engine/stack-file";
import { extractArtifacts } from "./artifacts";
import { diagram } from "./diagram";
import { buildPlan, withoutProvider, type Plan } from "./plan";
import type { RenderSummary } from "./render";

export interface SynthOptions {
    /** The stack file to read, `Pulumi.<stack>.yaml`. */
    readonly configFile: string;
    readonly outDir: string;
    /** Also render every Helm release with the vendored charts and validate every Kubernetes object. */
    readonly render?: boolean;
    /** Record keyed digests of secret inputs in plan.json (for `npm run diff`; the key is never written). */
    readonly secretDigestKey?: string;
}

export type SynthResult =
    | { readonly ok: true; readonly plan: Plan; readonly stack: StackConfig; readonly files: readonly string[]; readonly render?: RenderSummary }
    | { readonly ok: false; readonly stack: StackConfig; readonly problems: readonly string[] };

/** Files the synth owns in its output directory; removed first so that a failed run leaves no stale plan. */
const owned = ["plan.json", "diagram.mmd", "artifacts"];

function write(path: string, content: string): void {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
}

export async function synthesize(options: SynthOptions): Promise<SynthResult> {
    const stack = readStackConfig(options.configFile);
    for (const name of owned) rmSync(join(options.outDir, name), { recursive: true, force: true });

    const recording = await recordProgram(siteProgram, { ...stack, secretDigestKey: options.secretDigestKey });
    if (recording.error instanceof SiteConfigError) {
        return { ok: false, stack, problems: recording.error.message.split("\n") };
    }
    if (recording.error !== undefined) {
        throw recording.error;
    }
    const unprovided = withoutProvider(recording.resources);
    if (unprovided.length > 0) {
        return {
            ok: false,
            stack,
            problems: ["default providers are disabled, but these resources name no provider:", ...unprovided.map((r) => `  ${r.urn}`)],
        };
    }
    const plan = buildPlan(recording);
    const files: string[] = [];
    const emit = (relative: string, content: string) => {
        write(join(options.outDir, relative), content);
        files.push(relative);
    };
    emit("plan.json", `${JSON.stringify(plan, null, 2)}\n`);
    emit("diagram.mmd", diagram(recording.resources));
    for (const artifact of extractArtifacts(recording.resources)) {
        emit(join("artifacts", artifact.path), artifact.content);
    }
    if (!options.render) return { ok: true, plan, stack, files };
    // Loaded only here (helm, the schemas, ajv): a plain synth does not pay for them.
    const { renderPlan } = require("./render") as typeof import("./render");
    const rendered = renderPlan(plan);
    for (const artifact of rendered.artifacts) emit(join("artifacts", artifact.path), artifact.content);
    return { ok: true, plan, stack, files, render: rendered.summary };
}
