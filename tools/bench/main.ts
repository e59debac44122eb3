// npm run bench: wall time of the offline synth of a stack (default dev), as a ratio to a floor
// measured in the same run: the time node takes just to load the Pulumi packages the program
// imports. The ratio, not the seconds, is the figure to compare across machines.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const goal = 1.5;
const root = resolve(__dirname, "..", "..", "..");
const synthScript = join(root, "bin", "tools", "synth", "main.js");

function timed(args: string[]): { seconds: number; stderr: string } {
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (run.status !== 0) {
        throw new Error(`node ${args.join(" ")} failed (exit ${run.status}):\n${run.stderr}`);
    }
    return { seconds, stderr: run.stderr };
}

const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function main(): void {
    const { values } = parseArgs({ options: { stack: { type: "string", default: "dev" }, runs: { type: "string", default: "9" } } });
    const runs = Math.max(3, Number(values.runs));
    const out = mkdtempSync(join(tmpdir(), "srcnet-bench-"));
    try {
        const synthArgs = [synthScript, "--stack", values.stack!, "--out", out];
        const probe = timed(["-r", join(__dirname, "loaded-packages.js"), ...synthArgs]);
        const packages = JSON.parse(/bench-loaded-packages (.*)/.exec(probe.stderr)?.[1] ?? "[]") as string[];
        const floorArgs = ["-e", packages.map((p) => `require(${JSON.stringify(p)});`).join("")];

        // Interleaved, so that a change in machine load affects both series alike.
        const synth: number[] = [];
        const floor: number[] = [];
        for (let i = 0; i < runs; i++) {
            floor.push(timed(floorArgs).seconds);
            synth.push(timed(synthArgs).seconds);
        }
        const s = median(synth);
        const f = median(floor);
        const ratio = s / f;
        console.log(`synth of ${values.stack}: median ${s.toFixed(3)} s over ${runs} runs`);
        console.log(`floor (node loading ${packages.join(", ")}): median ${f.toFixed(3)} s over ${runs} runs`);
        console.log(`ratio: ${ratio.toFixed(2)} (goal: under ${goal})${ratio < goal ? "" : "  ABOVE GOAL"}`);
    } finally {
        rmSync(out, { recursive: true, force: true });
    }
}

main();
