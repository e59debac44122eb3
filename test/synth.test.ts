import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import type { RecordedResource } from "../tools/engine/record";
import { placeholderFor, readStackConfig, stackNameOf } from "../tools/engine/stack-file";
import { extractArtifacts } from "../tools/synth/artifacts";
import { diagram } from "../tools/synth/diagram";
import { withoutProvider } from "../tools/synth/plan";
import { createSeconds } from "../tools/synth/create-times";
import { creationDependencies, criticalPath } from "../tools/synth/critical-path";
import { synthesize } from "../tools/synth/synthesize";
import { repoRoot, siteOf, stackFile } from "./harness";

const tmp = () => mkdtempSync(join(tmpdir(), "srcnet-synth-test-"));
const synthCli = join(repoRoot, "bin", "tools", "synth", "main.js");

function filesUnder(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? filesUnder(join(dir, f)) : [join(dir, f)]));
}

/** A stack file with the given site object and extra keys, in a directory with Pulumi.yaml. */
function writeStack(site: unknown, extra: Record<string, unknown> = {}): string {
    const dir = tmp();
    writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(repoRoot, "Pulumi.yaml")));
    const file = join(dir, "Pulumi.trial.yaml");
    writeFileSync(file, stringify({ config: { "srcnet-site:site": site, ...extra } }));
    return file;
}

const resource = (urn: string, over: Partial<RecordedResource> = {}): RecordedResource => ({
    urn,
    type: "openstack:networking/network:Network",
    name: urn.split("::").pop()!,
    parent: null,
    provider: null,
    custom: true,
    inputs: {},
    dependsOn: [],
    protect: false,
    retainOnDelete: false,
    ...over,
});

describe("synth of the dev stack", () => {
    const out = tmp();
    let result: Awaited<ReturnType<typeof synthesize>>;
    let plan: any;
    before(async () => {
        result = await synthesize({ configFile: stackFile("dev"), outDir: out });
        expect(result.ok, JSON.stringify(!result.ok && result.problems)).to.equal(true);
        plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    });

    it("writes plan.json with the project, stack, resources, outputs and critical path", () => {
        expect(Object.keys(plan)).to.deep.equal(["project", "stack", "resources", "outputs", "criticalPath"]);
        expect(plan).to.include({ project: "srcnet-site", stack: "dev" });
        expect(plan.outputs).to.include({ site: "dev", environment: "test" });
        expect(plan.criticalPath.seconds).to.be.a("number");
    });

    // Helm, PyYAML and Kubernetes read YAML 1.1, where a bare off or yes is a boolean.
    it("writes every artifact so that a YAML 1.1 reader gets the values the resource carries", () => {
        const artifacts = filesUnder(join(out, "artifacts"));
        expect(artifacts.length).to.be.greaterThan(3);
        const values = plan.resources.filter((r: any) => r.type === "kubernetes:helm.sh/v3:Release");
        for (const release of values) {
            const file = join(out, "artifacts", release.name, "values.yaml");
            expect(parse(readFileSync(file, "utf8"), { version: "1.1" }), file).to.deep.equal(release.inputs.values);
        }
        const tricky = extractArtifacts([resource("urn:rel", { name: "r", type: "kubernetes:helm.sh/v3:Release", inputs: { values: { a: "off", b: "yes", c: "on", d: "no", e: "1e3" } } })]);
        expect(parse(tricky[0].content, { version: "1.1" })).to.deep.equal({ a: "off", b: "yes", c: "on", d: "no", e: "1e3" });
    });

    it("describes each resource with the documented fields", () => {
        for (const r of plan.resources) {
            expect(r).to.include.keys("urn", "type", "name", "parent", "provider", "custom", "inputs", "dependsOn", "protect", "retainOnDelete");
            expect(r.urn).to.match(/^urn:pulumi:dev::srcnet-site::/);
        }
        const urns = plan.resources.map((r: any) => r.urn);
        expect(urns).to.deep.equal([...urns].sort((a: string, b: string) => a.localeCompare(b)));
    });

    it("holds the network part, parented to SrcSite", () => {
        const net = plan.resources.find((r: any) => r.type === "srcnet:network:SiteNetwork");
        const site = plan.resources.find((r: any) => r.type === "srcnet:site:SrcSite");
        expect(net.parent).to.equal(site.urn);
        expect(plan.resources.filter((r: any) => r.parent === net.urn).length).to.equal(22);
    });

    it("records dependency edges through inputs", () => {
        const by = (name: string) => plan.resources.find((r: any) => r.name === name);
        expect(by("dev-subnet").dependsOn).to.deep.equal([by("dev-net").urn]);
        expect(by("dev-router-subnet").dependsOn).to.have.members([by("dev-router").urn, by("dev-subnet").urn]);
        expect(by("dev-web-tcp-443-from-0-0-0-0-0").dependsOn).to.deep.equal([by("dev-web").urn]);
    });

    it("computes the critical path as a chain of dependent creations with summed create times", () => {
        const byUrn = new Map(plan.resources.map((r: any) => [r.urn, r]));
        const deps = creationDependencies(plan.resources);
        const chain: string[] = plan.criticalPath.chain;
        expect(chain.length).to.be.greaterThan(1);
        for (let i = 1; i < chain.length; i++) expect(deps.get(chain[i]), chain[i]).to.include(chain[i - 1]);
        const total = chain.reduce((sum, urn) => sum + createSeconds((byUrn.get(urn) as any).type).seconds, 0);
        expect(plan.criticalPath.seconds).to.equal(total);
        // The longest chain runs through the Magnum cluster to what is installed on it: Rucio's server,
        // the RSE's registration, which waits for it, and the account sync, which waits for the RSE.
        expect(chain.some((urn) => urn.endsWith("openstack:containerinfra/cluster:Cluster::dev-k8s"))).to.equal(true);
        expect(chain.some((urn) => urn.endsWith("kubernetes:helm.sh/v3:Release::dev-rucio-server"))).to.equal(true);
        expect(chain.some((urn) => urn.endsWith("RseRegistration::dev-rse"))).to.equal(true);
        expect(chain[chain.length - 1]).to.match(/CronJob::dev-rucio-account-sync$/);
    });

    it("masks the secure value's placeholder wherever it is used", () => {
        for (const file of filesUnder(out)) expect(readFileSync(file, "utf8"), file).not.to.include("offline placeholder");
        expect(result.stack.placeholders).to.deep.equal(["srcnet-site:iamAdminClientSecret"]);
    });

    it("writes a Mermaid diagram of the components", () => {
        const mmd = readFileSync(join(out, "diagram.mmd"), "utf8");
        expect(mmd.split("\n")[0]).to.equal("flowchart LR");
        expect(mmd).to.match(/subgraph c\d+\["dev<br\/><i>SrcSite<\/i>/);
        expect(mmd).to.include("dev-network<br/><i>SiteNetwork</i>");
        expect(mmd).to.include("14 SecGroupRule");
    });

    it("produces the same bytes on every run, for reviewable diffs", async () => {
        const again = tmp();
        await synthesize({ configFile: stackFile("dev"), outDir: again });
        expect(readFileSync(join(again, "plan.json"), "utf8")).to.equal(readFileSync(join(out, "plan.json"), "utf8"));
    });
});

describe("synth: secrets and failures", () => {
    it("never writes a secret value, in inputs or outputs", async () => {
        const site = siteOf("dev");
        site.openstack.applicationCredentialId = "app-cred";
        const file = writeStack(site, {
            "srcnet-site:iamAdminClientSecret": { secure: "v1:abc:def" },
            "srcnet-site:openstackApplicationCredentialSecret": { secure: "v1:abc:ghi" },
        });
        const out = tmp();
        const result = await synthesize({ configFile: file, outDir: out });
        expect(result.ok).to.equal(true);
        const plan = readFileSync(join(out, "plan.json"), "utf8");
        expect(plan).not.to.include("offline placeholder");
        expect(plan).not.to.include("v1:abc");
        const provider = JSON.parse(plan).resources.find((r: any) => r.type === "pulumi:providers:openstack");
        expect(provider.inputs.applicationCredentialSecret).to.equal("[secret]");
    });

    it("exits 1 with every problem on stderr and leaves no plan.json, even a stale one", () => {
        const site = siteOf("dev");
        site.storage.rse = "bad rse";
        site.openstack.adminCidrz = [];
        const out = tmp();
        writeFileSync(join(out, "plan.json"), "{}");
        const run = spawnSync(process.execPath, [synthCli, "--config-file", writeStack(site, { "srcnet-site:iamAdminClientSecret": { secure: "v1:x:y" } }), "--out", out], {
            encoding: "utf8",
        });
        expect(run.status).to.equal(1);
        expect(run.stderr).to.include("The site config has 2 problems; nothing was created:");
        expect(run.stderr).to.include("site.storage.rse: is not a valid RSE name");
        expect(run.stderr).to.include('site.openstack.adminCidrz: unknown key (did you mean "adminCidrs"?)');
        expect(run.stdout).to.equal("");
        expect(existsSync(join(out, "plan.json"))).to.equal(false);
    });

    it("exits 0 with a summary, and says which secure values became placeholders", () => {
        const out = tmp();
        const run = spawnSync(process.execPath, [synthCli, "--stack", "uksrc", "--out", out], { cwd: repoRoot, encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/^srcnet-site uksrc: \d+ resources in 10 components/);
        expect(run.stdout).to.include("uksrc-network (SiteNetwork): 22 (1 Network, 1 Router, 1 RouterInterface, 4 SecGroup, 14 SecGroupRule, 1 Subnet)");
        expect(run.stdout).to.include("uksrc-storage (StorageNode): 5 (1 FloatingIp, 1 FloatingIpAssociate, 1 Instance, 1 Port, 1 Volume)");
        expect(run.stdout).to.match(/critical path: ~\d+ s/);
        expect(run.stderr).to.include("4 secure value(s) cannot be decrypted offline");
        expect(run.stderr).to.include("srcnet-site:rucioClientSecret");
        expect(run.stderr).to.include("srcnet-site:capiManagementKubeconfig");
        expect(existsSync(join(out, "plan.json"))).to.equal(true);
    });

    it("reads a stack file kept outside the project, with the project's own Pulumi.yaml", () => {
        const dir = tmp();
        const file = join(dir, "Pulumi.elsewhere.yaml");
        writeFileSync(file, readFileSync(stackFile("dev")));
        const run = spawnSync(process.execPath, [synthCli, "--config-file", file, "--out", join(dir, "out")], { cwd: dir, encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.include("srcnet-site elsewhere:");
    });

    for (const [what, content, message] of [
        ["a stack file that does not exist", undefined, /^synth failed: cannot read the stack file .*Pulumi\.missing\.yaml: no such file$/],
        ["a stack file that is not YAML", "config: [unclosed\n", /^synth failed: the stack file .*Pulumi\.broken\.yaml is not valid YAML: /],
        ["a stack file that is a list", "- a\n- b\n", /^synth failed: the stack file .*Pulumi\.list\.yaml must be a YAML mapping/],
    ] as const) {
        it(`reports ${what} in one line, without a stack trace`, () => {
            const dir = tmp();
            const name = what.includes("exist") ? "missing" : what.includes("YAML") ? "broken" : "list";
            const file = join(dir, `Pulumi.${name}.yaml`);
            if (content !== undefined) writeFileSync(file, content);
            const run = spawnSync(process.execPath, [synthCli, "--config-file", file, "--out", join(dir, "out")], { cwd: dir, encoding: "utf8" });
            expect(run.status).to.equal(2);
            const lines = run.stderr.trim().split("\n");
            expect(lines, run.stderr).to.have.length(1);
            expect(lines[0]).to.match(message);
        });
    }

    it("--render writes every release's objects as the vendored chart renders them, and says how many are valid", function () {
        this.timeout(120000);
        const out = tmp();
        const run = spawnSync(process.execPath, [synthCli, "--stack", "dev", "--out", out, "--render"], { cwd: repoRoot, encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/rendered 8 Helm release\(s\) with the vendored charts; \d+ object\(s\) valid, 0 without a schema/);
        const traefik = readdirSync(join(out, "artifacts", "dev-traefik", "manifests"));
        expect(traefik).to.include.members(["deployment-traefik-traefik.yaml", "service-traefik-traefik.yaml", "ingressclass-traefik.yaml"]);
        const service = parse(readFileSync(join(out, "artifacts", "dev-traefik", "manifests", "service-traefik-traefik.yaml"), "utf8"), { version: "1.1" });
        expect(service.spec.type).to.equal("LoadBalancer");
        // A plain synth writes no manifests.
        const plain = tmp();
        expect(spawnSync(process.execPath, [synthCli, "--stack", "dev", "--out", plain], { cwd: repoRoot, encoding: "utf8" }).status).to.equal(0);
        expect(existsSync(join(plain, "artifacts", "dev-traefik", "manifests"))).to.equal(false);
    });

    it("refuses unknown flags with a usage line", () => {
        const run = spawnSync(process.execPath, [synthCli, "--stak", "dev"], { cwd: repoRoot, encoding: "utf8" });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("usage: npm run synth");
    });
});

describe("synth building blocks", () => {
    it("reads secure leaves, nested ones too, as marked secret placeholders", () => {
        const file = writeStack(siteOf("dev"), { "srcnet-site:iamClientSecrets": { jupyterhub: { secure: "v1:a:b" }, rucio: { secure: "v1:c:d" } }, "openstack:region": "X" });
        const stack = readStackConfig(file);
        expect(stack.stack).to.equal("trial");
        expect(stack.placeholders).to.deep.equal(["srcnet-site:iamClientSecrets.jupyterhub", "srcnet-site:iamClientSecrets.rucio"]);
        expect(stack.secretKeys).to.deep.equal(["srcnet-site:iamClientSecrets"]);
        expect(JSON.parse(stack.config["srcnet-site:iamClientSecrets"])).to.deep.equal({
            jupyterhub: placeholderFor("srcnet-site:iamClientSecrets.jupyterhub", "v1:a:b"),
            rucio: placeholderFor("srcnet-site:iamClientSecrets.rucio", "v1:c:d"),
        });
        // A placeholder names its ciphertext by a digest: a rotated secret gives another placeholder.
        expect(placeholderFor("srcnet-site:iamClientSecrets.rucio", "v1:c:d")).to.match(/^\[offline placeholder for srcnet-site:iamClientSecrets\.rucio, ciphertext sha256:[0-9a-f]{16}\]$/);
        expect(placeholderFor("srcnet-site:iamClientSecrets.rucio", "v1:c:e")).not.to.equal(placeholderFor("srcnet-site:iamClientSecrets.rucio", "v1:c:d"));
        expect(stack.config["openstack:region"]).to.equal("X");
        // Pulumi.yaml's project-level config applies to every stack.
        expect(JSON.parse(stack.config["pulumi:disable-default-providers"])).to.deep.equal(["openstack", "kubernetes", "random"]);
    });

    it("names stacks after their file", () => {
        expect(stackNameOf("/x/Pulumi.uk-prod.yaml")).to.equal("uk-prod");
        expect(stackNameOf("/x/site.yaml")).to.equal("site");
    });

    it("takes the longest chain, waiting on every resource inside a component it depends on", () => {
        const p = "urn:pulumi:s::p::pulumi:providers:openstack::os";
        const comp = "urn:pulumi:s::p::my:Comp::c";
        const resources = [
            resource(p, { type: "pulumi:providers:openstack" }),
            resource(comp, { custom: false, type: "my:Comp" }),
            resource("urn:pulumi:s::p::my:Comp$openstack:compute/instance:Instance::vm", { parent: comp, provider: p, type: "openstack:compute/instance:Instance" }),
            resource("urn:pulumi:s::p::my:Comp$openstack:networking/network:Network::net", { parent: comp, provider: p }),
            resource("urn:pulumi:s::p::openstack:dns/recordSet:RecordSet::dns", { provider: p, type: "openstack:dns/recordSet:RecordSet", dependsOn: [comp] }),
            resource("urn:pulumi:s::p::openstack:networking/network:Network::other", { provider: p }),
        ];
        const path = criticalPath(resources);
        expect(path.chain).to.deep.equal([p, "urn:pulumi:s::p::my:Comp$openstack:compute/instance:Instance::vm", "urn:pulumi:s::p::openstack:dns/recordSet:RecordSet::dns"]);
        expect(path.seconds).to.equal(120 + 15);
    });

    it("finds custom resources that name no provider, which pulumi up would refuse", () => {
        const p = "urn:pulumi:s::p::pulumi:providers:openstack::os";
        const missing = withoutProvider([
            resource(p, { type: "pulumi:providers:openstack" }),
            resource("urn:with", { provider: p }),
            resource("urn:without"),
            resource("urn:component", { custom: false, type: "my:Comp" }),
        ]);
        expect(missing.map((r) => r.urn)).to.deep.equal(["urn:without"]);
    });

    it("draws parts nested in their composer, with an arrow from a part to each part that waits for it", () => {
        const site = "urn:pulumi:s::p::srcnet:site:SrcSite::s";
        const net = "urn:pulumi:s::p::srcnet:site:SrcSite$srcnet:network:SiteNetwork::s-network";
        const storage = "urn:pulumi:s::p::srcnet:site:SrcSite$srcnet:storage:Storage::s-storage";
        const subnet = `${net}$openstack:networking/subnet:Subnet::s-subnet`;
        const mmd = diagram([
            resource(site, { custom: false, type: "srcnet:site:SrcSite" }),
            resource(net, { custom: false, type: "srcnet:network:SiteNetwork", parent: site }),
            resource(storage, { custom: false, type: "srcnet:storage:Storage", parent: site }),
            resource(subnet, { parent: net, type: "openstack:networking/subnet:Subnet" }),
            resource(`${storage}$openstack:compute/instance:Instance::s-vm`, { parent: storage, type: "openstack:compute/instance:Instance", dependsOn: [subnet] }),
        ]);
        expect(mmd).to.equal(
            [
                "flowchart LR",
                '  subgraph c0["s<br/><i>SrcSite</i>"]',
                '    c1["s-network<br/><i>SiteNetwork</i><br/>1 Subnet"]',
                '    c2["s-storage<br/><i>Storage</i><br/>1 Instance"]',
                "  end",
                "  c1 --> c2",
                "",
            ].join("\n"),
        );
    });

    it("reports a dependency cycle instead of looping", () => {
        const a = resource("urn:a", { dependsOn: ["urn:b"] });
        const b = resource("urn:b", { dependsOn: ["urn:a"] });
        expect(() => criticalPath([a, b])).to.throw(/dependency cycle/);
    });

    it("extracts rendered files from user-data, Helm values and config maps, masking secret ones", () => {
        const artifacts = extractArtifacts([
            resource("urn:vm", { name: "storm", type: "openstack:compute/instance:Instance", inputs: { userData: "#cloud-config\npackages: [nginx]" } }),
            resource("urn:rel", { name: "hub", type: "kubernetes:helm.sh/v3:Release", inputs: { values: { hub: { config: { a: 1 } } } } }),
            resource("urn:cm", { name: "storm", type: "kubernetes:core/v1:ConfigMap", inputs: { data: { "rucio.cfg": "[client]\n" } } }),
            resource("urn:sec", { name: "idp", type: "kubernetes:core/v1:Secret", inputs: { stringData: "[secret]" } }),
            resource("urn:sec2", { name: "idp2", type: "kubernetes:core/v1:Secret", inputs: { stringData: { "idpsecrets.json": "[secret]" } } }),
            resource("urn:net", { name: "net", inputs: { name: "net" } }),
        ]);
        expect(artifacts).to.deep.equal([
            { path: "storm/user-data", content: "#cloud-config\npackages: [nginx]\n" },
            { path: "hub/values.yaml", content: "hub:\n  config:\n    a: 1\n" },
            { path: "storm.ConfigMap/rucio.cfg", content: "[client]\n" },
            { path: "idp/stringData", content: "[secret]\n" },
            { path: "idp2/idpsecrets.json", content: "[secret]\n" },
        ]);
    });
});
