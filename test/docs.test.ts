import { expect } from "chai";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { generate, replaceBlock } from "../tools/docs/generated";
import { siteReferenceRows } from "../tools/docs/config-reference";
import { repoRoot, stackFile } from "./harness";

describe("generated files", () => {
    let generated: Record<string, string>;
    before(async () => {
        generated = { ...(await generate(repoRoot)) };
    });

    for (const path of ["config/site.schema.json", "README.md"]) {
        it(`${path} is current (run npm run schema after changing the schema or a part)`, () => {
            expect(readFileSync(join(repoRoot, path), "utf8") === generated[path], `${path} is stale: run npm run schema`).to.equal(true);
        });
    }

    it("documents every key of the site schema in the README reference", () => {
        const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
        const keys = siteReferenceRows().map((r) => r.key);
        for (const key of ["name", "storage.storageAreas[].accessPoint", "cluster.backend", "cluster.namespacePrefix", "iam.clients.rucio.clientId", "dns.ttl"]) {
            expect(keys).to.include(key);
        }
        for (const key of keys) expect(readme, key).to.include(`| \`${key}\` |`);
        expect(readme).to.include("| `srcnet-site:kubeconfig` | site.cluster.backend is \"existing\" |");
    });

    it("replaces only the marked block", () => {
        const text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n";
        expect(replaceBlock(text, "x", "new")).to.equal("a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n");
        expect(() => replaceBlock(text, "y", "new")).to.throw(/no block/);
    });
});

describe("config/site.schema.json against the stack files", () => {
    const schema = JSON.parse(readFileSync(join(repoRoot, "config", "site.schema.json"), "utf8"));
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const stackDoc = (stack: string) => parse(readFileSync(stackFile(stack), "utf8"));

    for (const stack of ["dev", "uksrc"]) {
        it(`accepts Pulumi.${stack}.yaml`, () => {
            expect(validate(stackDoc(stack)), JSON.stringify(validate.errors)).to.equal(true);
        });
    }

    it("flags a misspelt site key, an unknown project key and a plaintext secret for the editor", () => {
        const doc = stackDoc("dev");
        doc.config["srcnet-site:site"].storage.flavour = "m1.small";
        doc.config["srcnet-site:kubconfig"] = "x";
        doc.config["srcnet-site:iamAdminClientSecret"] = "plain";
        expect(validate(doc)).to.equal(false);
        const problems = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
        expect(problems.some((p) => p.includes("/storage") && p.includes("flavour")), problems.join("\n")).to.equal(true);
        expect(problems.some((p) => p.startsWith("/config ") && p.includes("kubconfig")), problems.join("\n")).to.equal(true);
        expect(problems.some((p) => p.startsWith("/config/srcnet-site:iamAdminClientSecret ")), problems.join("\n")).to.equal(true);
    });

    it("leaves other namespaces free", () => {
        const doc = stackDoc("dev");
        doc.config["openstack:insecure"] = true;
        expect(validate(doc), JSON.stringify(validate.errors)).to.equal(true);
    });
});
