import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot, stackFile } from "./harness";

/**
 * Loads index.ts the way `pulumi up` does for a TypeScript project (ts-node with the project's
 * tsconfig and TypeScript), under the recording engine, in a fresh process.
 */
function runEntryPoint(configFile: string): { status: number | null; stdout: string; stderr: string } {
    const script = `
        require("ts-node").register({ project: ${JSON.stringify(join(repoRoot, "tsconfig.json"))} });
        const { recordProgram } = require(${JSON.stringify(join(repoRoot, "bin", "tools", "engine", "record"))});
        const { readStackConfig } = require(${JSON.stringify(join(repoRoot, "bin", "tools", "engine", "stack-file"))});
        recordProgram(() => require(${JSON.stringify(join(repoRoot, "index.ts"))}), readStackConfig(${JSON.stringify(configFile)})).then((r) => {
            console.log(JSON.stringify({ error: r.error && r.error.message, types: r.resources.map((x) => x.type), outputs: r.outputs }));
        });`;
    return spawnSync(process.execPath, ["-e", script], { cwd: repoRoot, encoding: "utf8" });
}

describe("index.ts, the entry point of pulumi up", () => {
    it("compiles under ts-node and registers the dev site", function () {
        this.timeout(120000);
        const run = runEntryPoint(stackFile("dev"));
        expect(run.status, run.stderr).to.equal(0);
        const result = JSON.parse(run.stdout);
        expect(result.error).to.equal(undefined);
        expect(result.types).to.include.members(["pulumi:pulumi:Stack", "srcnet:site:SrcSite", "srcnet:network:SiteNetwork", "openstack:networking/router:Router"]);
        expect(result.outputs).to.include({ site: "dev", environment: "test" });
    });
});
