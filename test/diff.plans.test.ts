// npm run diff's judgement on real pairs of configs: the real program recorded twice, the second
// time changed, and the two plans compared as `pulumi up` would plan the change.
import { expect } from "chai";
import { buildPlan, type Plan } from "../tools/synth/plan";
import { diffPlans, type ResourceChange, type SiteDiff } from "../tools/diff/diff-plans";
import { inputChanges } from "../tools/diff/input-changes";
import { lineDiff, markdownReport, textSummary } from "../tools/diff/report";
import { pathMatches } from "../tools/diff/replacement";
import { runStack, secretsOf } from "./harness";

const key = "a key for this test only";
const planOf = async (stack: "dev" | "uksrc", change: (site: any) => void = () => undefined, secrets?: Record<string, string>, digests = true): Promise<Plan> =>
    buildPlan(await runStack(stack, change, { ...(digests ? { secretDigestKey: key } : {}), ...(secrets ? { secrets } : {}) }));

const byName = (d: SiteDiff, name: string, type?: string): ResourceChange => {
    const found = d.changes.filter((c) => c.name === name && (type === undefined || c.type === type));
    expect(found, `${name} among ${d.changes.map((c) => `${c.kind} ${c.name}`).join(", ")}`).to.have.length(1);
    return found[0];
};
const kinds = (d: SiteDiff) => Object.fromEntries(d.changes.map((c) => [`${c.name} ${c.type.split(":").pop()}`, c.kind]));

describe("npm run diff: what a change does to a site", function () {
    this.timeout(60000);
    let dev: Plan;
    let uksrc: Plan;
    before(async () => {
        dev = await planOf("dev");
        uksrc = await planOf("uksrc");
    });

    it("reports nothing for the same config, and the critical path unchanged", async () => {
        const d = diffPlans("dev", dev, await planOf("dev"));
        expect(d.status).to.equal("unchanged");
        expect(d.changes).to.deep.equal([]);
        expect(d.approvals).to.deep.equal([]);
        expect(textSummary([d])).to.include("Critical path: 1826 s (unchanged)");
    });

    it("a storage area added: its claim and volume are created, the node's configuration and the hub update in place", async () => {
        const d = diffPlans("dev", dev, await planOf("dev", (s) => s.storage.storageAreas.push({ name: "extra", quotaGb: 5 })));
        expect(kinds(d)).to.deep.equal({
            "dev-rse-extra PersistentVolume": "create",
            "dev-rse-extra PersistentVolumeClaim": "create",
            "dev-jupyterhub Release": "update",
            "dev-storm Instance": "update",
        });
        const node = byName(d, "dev-storm");
        // The configuration bundle is compared file by file, not chunk by chunk.
        expect(node.inputs.map((c) => c.path)).to.include("metadata.[storage configuration].files./etc/storm/webdav/sa.d/extra.properties");
        expect(node.inputs.some((c) => /srcnet-config-\d/.test(c.path))).to.equal(false);
        const md = markdownReport([d], { base: "b", head: "h" });
        expect(md).to.include("+ /storage/extra 10.42.0.0/24(ro,root_squash,sync,no_subtree_check,sec=sys)");
        expect(md).to.include("accessPoints=/extra");
    });

    it("a flavor changed: the storage server is resized in place, not replaced", async () => {
        const d = diffPlans("dev", dev, await planOf("dev", (s) => (s.storage.flavor = "m1.xlarge")));
        const node = byName(d, "dev-storm");
        expect(node.kind).to.equal("update");
        expect(node.inputs).to.deep.equal([{ path: "flavorName", before: "m1.medium", after: "m1.xlarge", secret: false }]);
        expect(node.notes.join()).to.include("resized in place");
    });

    it("the VM image changed: the storage server is replaced, its data volume is not, and no approval is needed", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => (s.storage.image = "Rocky-9-GenericCloud-Base-2026")));
        expect(kinds(d)).to.deep.equal({ "uksrc-storm Instance": "replace" });
        expect(byName(d, "uksrc-storm").because).to.deep.equal(["blockDevices[0].uuid"]);
        expect(d.approvals).to.deep.equal([]);
    });

    it("a peer removed: the RSE registration changes in place (its distances), nothing is replaced", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => s.rucio.peers.pop()));
        const rse = byName(d, "uksrc-rse");
        expect(rse.kind).to.equal("update");
        expect(rse.inputs.map((c) => c.path)).to.deep.equal(["rse.peers"]);
        expect(d.approvals).to.deep.equal([]);
    });

    it("a production volume replaced: the volume and the server that holds it are replaced, and the change needs an approval", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => (s.storage.volume.type = "ceph-ssd")));
        expect(byName(d, "uksrc-storm-data").kind).to.equal("replace");
        expect(byName(d, "uksrc-storm-data").because).to.deep.equal(["volumeType"]);
        expect(byName(d, "uksrc-storm-data").holdsData).to.equal(true);
        // The server's boot mapping names the volume, whose ID is unknown until the new one exists.
        expect(byName(d, "uksrc-storm").because).to.include("blockDevices (from uksrc-storm-data, which is replaced)");
        expect(d.approvals).to.deep.equal(["uksrc-storm-data (openstack:blockstorage/volume:Volume) would be replaced"]);
        const md = markdownReport([d], { base: "b", head: "h" });
        expect(md).to.include("[!CAUTION]");
        expect(md).to.include("→ \"[known once uksrc-storm-data is replaced]\"");
        expect(md).not.to.include("removed (was");
    });

    it("the same volume change on a test site needs no approval", async () => {
        const d = diffPlans("dev", dev, await planOf("dev", (s) => (s.storage.volume.type = "fast")));
        expect(byName(d, "dev-storm-data").kind).to.equal("replace");
        expect(d.approvals).to.deep.equal([]);
    });

    it("a volume made smaller is shown as a change Cinder refuses", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => ((s.storage.volume.sizeGb = 49500), (s.storage.storageAreas[0].quotaGb = 45000))));
        const volume = byName(d, "uksrc-storm-data");
        expect(volume.kind).to.equal("update");
        expect(volume.notes.join()).to.include("cannot shrink");
    });

    it("a volume made larger is extended in place, online, while the node holds it", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => (s.storage.volume.sizeGb = 60000)));
        const volume = byName(d, "uksrc-storm-data");
        expect(volume.kind).to.equal("update");
        expect(volume.notes).to.deep.equal(["size 50000 → 60000 GB: extended in place, online"]);
        expect(d.approvals).to.deep.equal([]);
    });

    it("a rotated secret shows as changed, with neither value; an IAM client takes it in place", async () => {
        const rotated = { iamAdminClientSecret: "a-rotated-admin-secret-value" };
        const d = diffPlans("dev", dev, await planOf("dev", undefined, rotated));
        expect(d.changes.length).to.be.greaterThan(0);
        for (const c of d.changes) {
            expect(c.type, c.name).to.equal("pulumi-nodejs:dynamic/srcnet:IamClient");
            expect(c.kind, c.name).to.equal("update");
            expect(c.inputs, c.name).to.deep.equal([{ path: "admin.clientSecret", secret: true }]);
        }
        const out = markdownReport([d], { base: "b", head: "h" }) + textSummary([d]) + JSON.stringify(d);
        expect(out).not.to.include("a-rotated-admin-secret-value");
        expect(out).not.to.include(secretsOf("dev").iamAdminClientSecret);
        expect(out).to.include("`admin.clientSecret`: secret, changed");
    });

    it("a secret that a Kubernetes Secret holds replaces that Secret, and the bootstrap Job runs again", async () => {
        const site = (s: any) => (s.rucio.database = { external: true });
        const base = await planOf("dev", site, { ...secretsOf("dev"), rucioDatabaseUrl: "postgresql://rucio:pw-one-7f3a@db.example.org/rucio" });
        const d = diffPlans("dev", base, await planOf("dev", site, { ...secretsOf("dev"), rucioDatabaseUrl: "postgresql://rucio:pw-two-9c1b@db.example.org/rucio" }));
        expect(JSON.stringify(d) + markdownReport([d], { base: "b", head: "h" })).not.to.match(/pw-one-7f3a|pw-two-9c1b/);
        expect(d.changes.map((c) => `${c.kind} ${c.name} ${c.type.split(":").pop()}`)).to.have.members(["replace dev-rucio-db-url Secret", "replace dev-rucio-db-init Job", "replace dev-rucio-db-init ConfigMap"]);
        expect(byName(d, "dev-rucio-db-url").because).to.deep.equal(["stringData"]);
        expect(byName(d, "dev-rucio-db-init", "kubernetes:batch/v1:Job").because).to.include("metadata.name");
    });

    it("without digests a secret cannot be compared, and the report says so", async () => {
        const rotated = { iamAdminClientSecret: "a-rotated-admin-secret-value" };
        const d = diffPlans("dev", await planOf("dev", undefined, undefined, false), await planOf("dev", undefined, rotated));
        expect(d.changes).to.deep.equal([]);
        expect(d.warnings.join()).to.include("no secret digests");
    });

    it("a replaced cluster replaces its Kubernetes provider and so everything in it", async () => {
        const d = diffPlans("dev", dev, await planOf("dev", (s) => (s.cluster.nodeGroups[0].flavor = "m1.huge")));
        expect(byName(d, "dev-k8s", "openstack:containerinfra/cluster:Cluster").because).to.deep.equal(["flavor"]);
        expect(byName(d, "dev-k8s", "pulumi:providers:kubernetes").kind).to.equal("replace");
        const inCluster = d.changes.filter((c) => c.type.startsWith("kubernetes:"));
        expect(inCluster.length).to.be.greaterThan(10);
        expect(inCluster.filter((c) => c.kind !== "replace").map((c) => c.name)).to.deep.equal([]);
    });

    it("a new external network replaces the floating IPs and what names them, and updates what only reads their addresses", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => (s.openstack.externalNetwork = "public-2")));
        expect(byName(d, "uksrc-storm", "openstack:networking/floatingIp:FloatingIp").because).to.deep.equal(["pool"]);
        // The association names the address, which is ForceNew; the server and the DNS only carry it.
        expect(byName(d, "uksrc-storm", "openstack:networking/floatingIpAssociate:FloatingIpAssociate").because).to.deep.equal(["floatingIp (from uksrc-storm, which is replaced)"]);
        const server = byName(d, "uksrc-storm", "openstack:compute/instance:Instance");
        expect(server.kind).to.equal("update");
        expect(server.inputs.map((c) => c.path)).to.include("metadata");
        expect(d.changes.find((c) => c.type === "openstack:networking/port:Port")).to.equal(undefined);
        expect(d.approvals).to.deep.equal([]);
    });

    it("a new network range replaces the subnet, and the cluster template that names it through replaceOnChanges", async () => {
        const d = diffPlans("dev", dev, await planOf("dev", (s) => (s.openstack.network.cidr = "10.43.0.0/24")));
        expect(byName(d, "dev-subnet").because).to.deep.equal(["cidr"]);
        const template = d.changes.find((c) => c.type === "openstack:containerinfra/clusterTemplate:ClusterTemplate")!;
        expect(template.kind).to.equal("replace");
        expect(template.because.some((b) => b.endsWith("(from dev-subnet, which is replaced; replaceOnChanges)"))).to.equal(true);
    });

    it("a changed management kubeconfig may point at another cluster: its provider and the Cluster API cluster on it count as replaced", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", undefined, { ...secretsOf("uksrc"), capiManagementKubeconfig: "apiVersion: v1\nkind: Config\n# another management cluster\n" }));
        expect(byName(d, "uksrc-capi-management").kind).to.equal("replace");
        expect(byName(d, "uksrc-capi-management").because).to.deep.equal(["kubeconfig"]);
        expect(byName(d, "uksrc-k8s", "kubernetes:helm.sh/v3:Release").because).to.deep.equal(["its provider uksrc-capi-management is replaced"]);
        // The release is what the cluster's contents are deleted with: the cluster itself, which holds data.
        expect(d.approvals).to.include("uksrc-k8s (kubernetes:helm.sh/v3:Release) would be replaced");
        // The workload cluster's kubeconfig comes from a dynamic resource that is updated: known in
        // `pulumi up` once it has run, unknown to the preview, which the report says.
        const workload = byName(d, "uksrc-k8s", "pulumi:providers:kubernetes");
        expect(workload.kind).to.equal("update");
        expect(workload.inputs).to.deep.include({ path: "kubeconfig", secret: false, before: "[secret]", after: "[known once uksrc-k8s-kubeconfig is updated]" });
        expect(workload.notes.join()).to.include("`pulumi up` replaces them only if the kubeconfig then names another cluster");
    });

    it("a production site moved to test in the same change is still judged as production", async () => {
        const d = diffPlans("uksrc", uksrc, await planOf("uksrc", (s) => ((s.environment = "test"), (s.storage.volume.type = "ceph-ssd"))));
        expect(d.approvals[0]).to.equal("the site would no longer be production (environment: test)");
        expect(d.approvals).to.include("uksrc-storm-data (openstack:blockstorage/volume:Volume) would be replaced");
    });

    it("lowering a production resource's protection needs an approval", () => {
        const lowered: Plan = { ...uksrc, resources: uksrc.resources.map((r) => (r.name === "uksrc-storm-data" ? { ...r, protect: false } : r)) };
        const d = diffPlans("uksrc", uksrc, lowered);
        expect(byName(d, "uksrc-storm-data").protect).to.deep.equal({ before: true, after: false });
        expect(d.approvals).to.deep.equal(["uksrc-storm-data would no longer be protected"]);
    });

    it("a production resource that holds data, deleted, needs an approval; a new or removed stack file is said as such", () => {
        const without: Plan = { ...uksrc, resources: uksrc.resources.filter((r) => r.name !== "uksrc-rse") };
        const d = diffPlans("uksrc", uksrc, without);
        expect(byName(d, "uksrc-rse").kind).to.equal("delete");
        expect(d.approvals).to.deep.equal(["uksrc-rse (pulumi-nodejs:dynamic/srcnet:RseRegistration) would be deleted"]);
        expect(diffPlans("uksrc", undefined, uksrc).status).to.equal("new");
        const removed = diffPlans("uksrc", uksrc, undefined);
        expect(removed.status).to.equal("removed");
        expect(removed.approvals).to.deep.equal([]);
    });
});

describe("npm run diff building blocks", () => {
    it("matches a changed path at, under or above a replacing one", () => {
        expect(pathMatches("blockDevices", "blockDevices[1].uuid")).to.equal(true);
        expect(pathMatches("blockDevices[*].uuid", "blockDevices[1].uuid")).to.equal(true);
        expect(pathMatches("spec.template", "spec")).to.equal(true);
        expect(pathMatches("spec.template", "spec.backoffLimit")).to.equal(false);
        expect(pathMatches("name", "namespace")).to.equal(false);
    });

    it("compares lists item by item when their length is the same, and as one change when not", () => {
        const a = { inputs: { l: [1, 2, 3], m: { x: 1 } } };
        expect(inputChanges(a, { inputs: { l: [1, 5, 3], m: { x: 1 } } }, true)).to.deep.equal([{ path: "l[1]", before: 2, after: 5, secret: false }]);
        expect(inputChanges(a, { inputs: { l: [1, 2], m: {} } }, true)).to.deep.equal([
            { path: "l", before: [1, 2, 3], after: [1, 2], secret: false },
            { path: "m.x", before: 1, secret: false },
        ]);
    });

    it("shows the lines that differ with one line of context", () => {
        const before = ["a", "b", "c", "d", "e", "f"].join("\n");
        const after = ["a", "b", "C", "d", "e", "f", "g"].join("\n");
        expect(lineDiff(before, after)).to.deep.equal(["  b", "- c", "+ C", "  d", "...", "  f", "+ g"]);
    });
});
