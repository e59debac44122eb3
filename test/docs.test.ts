import { expect } from "chai";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { docPages, generate, generatedBlocks, markedBlocks, misplacedBlocks, replaceBlock } from "../tools/docs/generated";
import { siteReferenceRows } from "../tools/docs/config-reference";
import { brokenLinks, headingAnchors, relativeLinks, slug } from "../tools/docs/links";
import { repoRoot, stackFile } from "./harness";

describe("generated files", () => {
    let generated: Record<string, string>;
    before(async () => {
        generated = { ...(await generate(repoRoot)) };
    });

    const paths = ["config/site.schema.json", ...new Set(generatedBlocks.map((b) => b.page))];
    for (const path of paths) {
        it(`${path} is current (run npm run schema after changing the schema or a part)`, () => {
            expect(readFileSync(join(repoRoot, path), "utf8") === generated[path], `${path} is stale: run npm run schema`).to.equal(true);
        });
    }

    it("writes nothing but the schema and the pages that hold a block", () => {
        expect(Object.keys(generated).sort()).to.deep.equal([...paths].sort());
    });

    it("finds every marked block of the documentation in the page the generator writes it to", () => {
        expect(misplacedBlocks(repoRoot)).to.deep.equal([]);
        for (const { name, page } of generatedBlocks) {
            expect(markedBlocks(readFileSync(join(repoRoot, page), "utf8")), `${page} holds ${name}`).to.include(name);
        }
    });

    it("documents every key of the site schema in the config reference (docs/configuration.md)", () => {
        const reference = readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8");
        const keys = siteReferenceRows().map((r) => r.key);
        for (const key of ["name", "storage.storageAreas[].accessPoint", "cluster.backend", "cluster.namespacePrefix", "iam.clients.rucio.clientId", "dns.ttl"]) {
            expect(keys).to.include(key);
        }
        for (const key of keys) expect(reference, key).to.include(`| \`${key}\` |`);
        expect(reference).to.include("| `srcnet-site:kubeconfig` | site.cluster.backend is \"existing\" |");
    });

    it("replaces only the marked block", () => {
        const text = "a\n<!-- x:start -->\nold\n<!-- x:end -->\nb\n";
        expect(replaceBlock(text, "x", "new")).to.equal("a\n<!-- x:start -->\nnew\n<!-- x:end -->\nb\n");
        expect(() => replaceBlock(text, "y", "new", "docs/x.md")).to.throw(/docs\/x.md has no block/);
        expect(() => replaceBlock(text + text, "x", "new")).to.throw(/more than once/);
    });
});

describe("links of the documentation", () => {
    it("README.md and docs/*.md are the pages", () => {
        const pages = docPages(repoRoot);
        expect(pages[0]).to.equal("README.md");
        for (const page of ["docs/configuration.md", "docs/reviewing-and-deploying.md"]) expect(pages).to.include(page);
    });

    it("every relative link of README.md and docs/*.md names an existing file and heading", () => {
        const pages = docPages(repoRoot);
        expect(pages.flatMap((p) => relativeLinks(readFileSync(join(repoRoot, p), "utf8"))).length).to.be.greaterThan(10);
        expect(brokenLinks(repoRoot, pages)).to.deep.equal([]);
    });

    it("makes a heading's anchor as GitHub does", () => {
        expect(slug("What a reviewer sees (npm run diff)")).to.equal("what-a-reviewer-sees-npm-run-diff");
        expect(slug("The `storage` part: StoRM-WebDAV, v1.9")).to.equal("the-storage-part-storm-webdav-v19");
        expect(slug("Teardown and leftovers")).to.equal("teardown-and-leftovers");
        expect([...headingAnchors("# A\n## B\n```sh\n# not a heading\n```\n## B\n")]).to.deep.equal(["a", "b", "b-1"]);
        expect(relativeLinks("[a](x.md) `[b](y.md)` [c](https://e.org) [d](#h)\n```\n[e](z.md)\n```\n").map((l) => l.target)).to.deep.equal(["x.md", "#h"]);
    });

    it("reports a link to a missing file or heading", () => {
        const root = mkdtempSync(join(tmpdir(), "docs-links-"));
        try {
            const write = (path: string, text: string) => {
                mkdirSync(dirname(join(root, path)), { recursive: true });
                writeFileSync(join(root, path), text);
            };
            write("README.md", "# Site\n\nSee [ok](docs/a.md#part-one), [gone](docs/b.md), [bad](docs/a.md#part-two) and [self](#site).\n");
            write("docs/a.md", "# A\n\n## Part one\n\n[up](../README.md#nope) [code](../src/x.ts) [out](../../elsewhere.md)\n");
            expect(brokenLinks(root, ["README.md", "docs/a.md"])).to.deep.equal([
                "README.md:3: docs/b.md: no such file",
                "README.md:3: docs/a.md#part-two: docs/a.md has no heading with the anchor #part-two",
                "docs/a.md:5: ../README.md#nope: README.md has no heading with the anchor #nope",
                "docs/a.md:5: ../src/x.ts: no such file",
                "docs/a.md:5: ../../elsewhere.md: points outside the repository",
            ]);
        } finally {
            rmSync(root, { recursive: true, force: true });
        }
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
