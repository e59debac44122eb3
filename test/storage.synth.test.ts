// The offline synth of a site with StoRM's browser login: what a reviewer sees of the storage
// node (plan.json and its artifacts) shows the login but never its client secret.
import { expect } from "chai";
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { synthesize } from "../tools/synth/synthesize";
import { repoRoot, siteOf } from "./harness";

const tmp = () => mkdtempSync(join(tmpdir(), "srcnet-storage-synth-"));
const filesUnder = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));

describe("synth of a site with StoRM's browser login", function () {
    this.timeout(60000);

    it("shows the login in the storage node's metadata, and its client secret nowhere", async () => {
        const site = siteOf("dev");
        site.iam.stormLogin = true;
        const dir = tmp();
        writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(repoRoot, "Pulumi.yaml")));
        const stack = join(dir, "Pulumi.login.yaml");
        writeFileSync(stack, stringify({ config: { "srcnet-site:site": site, "srcnet-site:iamAdminClientSecret": { secure: "v1:abc:def" } } }));
        const out = tmp();
        const result = await synthesize({ configFile: stack, outDir: out });
        expect(result.ok, JSON.stringify(!result.ok && result.problems)).to.equal(true);

        const storm = join(out, "artifacts", "dev-storm");
        expect(readFileSync(join(storm, "user-data"), "utf8")).to.equal("[secret]\n");
        const app = parse(readFileSync(join(storm, "metadata", "etc", "storm", "webdav", "config", "application.yml"), "utf8"));
        expect(app.spring.security.oauth2.client.registration.iam["client-id"]).to.equal("dev-storm");
        // Admin registration generates the client's secret: under the recording engine, this value.
        const secret = "recording-engine-random-password";
        for (const file of filesUnder(out)) expect(readFileSync(file, "utf8"), file).not.to.include(secret);
    });
});
