// npm run test-site: a test site's stack file from the dev stack, valid, under its own names,
// without the template's encrypted secrets, and never from a production site.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { TestSiteError, testSiteFile } from "../tools/test-site/template";
import { keysWith, repoRoot } from "./harness";

const template = (stack: string) => readFileSync(join(repoRoot, `Pulumi.${stack}.yaml`), "utf8");
const error = (f: () => unknown): string => {
    try {
        f();
    } catch (err) {
        if (err instanceof TestSiteError) return err.message;
        throw err;
    }
    throw new Error("no TestSiteError");
};

describe("test sites from a template (npm run test-site)", () => {
    it("makes the dev site under a new name: its own domain, hostnames and RSE, and valid", () => {
        const made = testSiteFile(template("dev"), "alice1");
        const site = parse(made.text).config["srcnet-site:site"];
        expect(site).to.deep.include({ name: "alice1", environment: "test", domain: "alice1.srcnet.example.org" });
        expect(site.storage.rse).to.equal("ALICE1_STORM");
        const result = validateStackConfig({ site, keys: keysWith(["iamAdminClientSecret"]) });
        expect(result.ok, result.ok ? "" : JSON.stringify(result.problems)).to.equal(true);
        const model = deriveSite((result as { site: any }).site);
        expect(model.hostnames.jupyter).to.equal("jupyter.alice1.srcnet.example.org");
        expect(model.name).to.equal("alice1");
        // The shared parts stay as the template has them.
        const dev = parse(template("dev")).config["srcnet-site:site"];
        expect(site.iam).to.deep.equal(dev.iam);
        expect(site.dns).to.deep.equal(dev.dns);
    });

    it("copies no secret (encrypted for the template's stack) and says which to set, with the command", () => {
        const made = testSiteFile(template("dev"), "alice1");
        expect(made.text).not.to.include("secure:");
        expect(made.secretsToSet).to.deep.equal(["pulumi config set --stack alice1 --secret iamAdminClientSecret"]);
    });

    it("copies no secret set with --path either (a secure: value nested in a key)", () => {
        const nested = `${template("dev")}  srcnet-site:rucioBackupCredentials:\n    accessKeyId:\n      secure: v1:abc:def\n    secretAccessKey:\n      secure: v1:ghi:jkl\n  srcnet-site:plainSetting: kept\n`;
        const made = testSiteFile(nested, "alice1");
        expect(made.text).not.to.include("secure:");
        expect(made.text).not.to.include("rucioBackupCredentials");
        expect(parse(made.text).config["srcnet-site:plainSetting"]).to.equal("kept");
    });

    it("refuses a production template, a bad name and the template's own name, all at once", () => {
        expect(error(() => testSiteFile(template("uksrc"), "alice1"))).to.match(/environment is "production".*never from a production one/);
        const both = error(() => testSiteFile(template("uksrc"), "Alice_1"));
        expect(both).to.match(/--name "Alice_1"/);
        expect(both).to.match(/production/);
        expect(error(() => testSiteFile(template("dev"), "dev"))).to.match(/the template's own name/);
    });

    it("writes Pulumi.<name>.yaml once, and refuses to overwrite it", () => {
        const target = join(repoRoot, "Pulumi.trial-site.yaml");
        rmSync(target, { force: true });
        try {
            const first = spawnSync(process.execPath, [join(repoRoot, "bin", "tools", "test-site", "main.js"), "--name", "trial-site"], { encoding: "utf8" });
            expect(first.status, first.stderr).to.equal(0);
            expect(existsSync(target)).to.equal(true);
            expect(first.stdout).to.include("pulumi config set --stack trial-site --secret iamAdminClientSecret");
            const second = spawnSync(process.execPath, [join(repoRoot, "bin", "tools", "test-site", "main.js"), "--name", "trial-site"], { encoding: "utf8" });
            expect(second.status).to.equal(1);
            expect(second.stderr).to.match(/exists already/);
        } finally {
            rmSync(target, { force: true });
        }
    });
});
