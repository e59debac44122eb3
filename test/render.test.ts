// Every Helm release a site registers, rendered by the real helm from the vendored chart of the
// pinned version with the values exactly as recorded (the chart's values schema and kubeVersion
// enforced by helm), and every object, rendered or registered by the program, validated against
// the strict Kubernetes schemas. For the dev and uksrc stacks and a site of each cluster backend.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { charts } from "../config/versions";
import { parseRelease, satisfies } from "../config/kube-version";
import type { Recording } from "../tools/engine/record";
import { buildPlan } from "../tools/synth/plan";
import { crdGroupsOf, kubeVersionOf } from "../tools/render/cluster-facts";
import { helmTemplate, manifestObjects } from "../tools/render/helm-template";
import { KubeSchemas, type KubeObject } from "../tools/render/kube-schema";
import { vendoredChartDir } from "../tools/render/reference";
import { renderSite, type SiteRender } from "../tools/render/render-site";
import { inputsOf, runSite, secretsOf, siteOf, upstream } from "./harness";

const kubeconfig = "apiVersion: v1\nkind: Config\n";
const existing = { backend: "existing", namespacePrefix: "alice", nodeCidr: "172.16.0.0/16", ingressAddress: "192.0.2.80" };

/** The sites whose releases are rendered: the committed stacks and one site of each backend. */
const sites: Record<string, () => Promise<Recording>> = {
    "dev (magnum)": () => runSite(siteOf("dev"), { stack: "dev", secrets: secretsOf("dev") }),
    "uksrc (capi)": () => runSite(siteOf("uksrc"), { stack: "uksrc", secrets: secretsOf("uksrc") }),
    "existing cluster": () => {
        const site = siteOf("dev");
        site.cluster = existing;
        return runSite(site, { stack: "alice", secrets: { ...secretsOf("dev"), kubeconfig } });
    },
    "capi test site": () => {
        const site = siteOf("uksrc");
        site.name = "capitest";
        site.environment = "test";
        site.cluster.nodeGroups = [{ name: "workers", flavor: "l3.large", count: 2 }, { name: "burst", flavor: "l3.xlarge", minCount: 1, maxCount: 5 }];
        return runSite(site, { stack: "capitest", secrets: secretsOf("uksrc") });
    },
};

function render(recording: Recording): SiteRender {
    expect(recording.error, String(recording.error)).to.equal(undefined);
    const plan = buildPlan(recording);
    return renderSite(recording.resources, { kubeVersionFor: kubeVersionOf(plan), crdGroupsFor: crdGroupsOf(plan) });
}

const objectsOf = (r: SiteRender, chart: string) => r.releases.filter((x) => x.chart === chart).flatMap((x) => x.objects);
const find = (objects: readonly KubeObject[], kind: string, name?: string) => objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));

/** Objects inside a Manifests addon's plain (non-Jinja) templates: what the addon provider applies to the workload cluster. */
function addonObjects(objects: readonly KubeObject[]): KubeObject[] {
    return find(objects, "Manifests").flatMap((m: any) =>
        (m.spec.manifestSources ?? [])
            .map((src: any) => src.template as string | undefined)
            .filter((t: string | undefined): t is string => t !== undefined && !/{[%{#]/.test(t))
            .flatMap((t: string) => parseAllDocuments(t, { version: "1.1" }).map((d) => d.toJS() as KubeObject)),
    );
}

describe("rendering: pinned charts and the vendored ones move together", () => {
    for (const pin of Object.values(charts)) {
        it(`${pin.chart} ${pin.version} has its vendored chart, and its kubeVersion is the chart's own`, () => {
            const chart = parse(readFileSync(join(vendoredChartDir(pin.chart, pin.version), "Chart.yaml"), "utf8"));
            expect(chart.name).to.equal(pin.chart);
            expect(String(chart.version)).to.equal(pin.version);
            // A chart without a kubeVersion is pinned to what its upstream builds and tests (versions.ts says where).
            if (chart.kubeVersion) expect(pin.kubeVersion).to.equal(chart.kubeVersion);
            else expect(pin.kubeVersion, "a documented constraint").to.be.a("string");
        });
    }

    it("a pinned version without a vendored chart fails", () => {
        expect(() => vendoredChartDir("traefik", "40.0.0")).to.throw(/chart traefik 40\.0\.0 is pinned, but no vendored chart of that version is in .*: versions and charts move together/);
    });

    it("every chart's kubeVersion is a constraint the config's check reads", () => {
        for (const pin of Object.values(charts)) expect(() => satisfies(parseRelease("v1.36.3")!, pin.kubeVersion)).not.to.throw();
    });
});

describe("rendering: helm enforces the chart's own rules", function () {
    this.timeout(60000);
    it("refuses values the chart's schema does not know", () => {
        const rendered = helmTemplate({ name: "traefik", namespace: "traefik", chart: "traefik", version: charts.traefik.version, values: { ports: { web: { redirections: {} } } } });
        expect(rendered.ok).to.equal(false);
        expect(!rendered.ok && rendered.error).to.match(/redirections/);
    });

    it("refuses a Kubernetes release outside the chart's kubeVersion", () => {
        const rendered = helmTemplate({ name: "traefik", namespace: "traefik", chart: "traefik", version: charts.traefik.version, values: {}, kubeVersion: "v1.24.0" });
        expect(rendered.ok).to.equal(false);
        expect(!rendered.ok && rendered.error).to.match(/kubeVersion|incompatible/i);
    });

    it("tells helm what each cluster serves: Kubernetes' own APIs and the CRDs installed there, nothing else", () => {
        const schemas = new KubeSchemas();
        const workload = schemas.apiVersions(["cert-manager.io", "traefik.io"]);
        expect(workload).to.include.members(["v1", "policy/v1", "policy/v1/PodDisruptionBudget", "apps/v1/Deployment", "cert-manager.io/v1/ClusterIssuer", "traefik.io/v1alpha1"]);
        expect(workload.filter((a) => /cluster\.x-k8s\.io|postgresql\.cnpg\.io|gateway\.networking/.test(a))).to.deep.equal([]);
        expect(schemas.apiVersions([])).to.not.include("cert-manager.io/v1");
    });

    it("validation finds an unknown field, a wrong type and a kind no cluster serves", () => {
        const schemas = new KubeSchemas();
        const bad = manifestObjects(
            ["apiVersion: v1", "kind: Namespace", "metadata: {name: a, lables: {x: y}}", "---", "apiVersion: v1", "kind: Service", "metadata: {name: b}", "spec: {ports: [{port: http}]}", "---", "apiVersion: policy/v1beta1", "kind: PodDisruptionBudget", "metadata: {name: c}"].join("\n"),
        );
        const checks = bad.map((o) => schemas.check(o));
        expect(checks.map((c) => c.status)).to.deep.equal(["invalid", "invalid", "invalid"]);
        expect(JSON.stringify(checks)).to.include("lables").and.to.include("/spec/ports/0/port").and.to.include("no such kind");
    });
});

for (const [label, record] of Object.entries(sites)) {
    describe(`rendering: ${label}`, function () {
        this.timeout(120000);
        let recording: Recording;
        let rendered: SiteRender;
        before(async () => {
            recording = await record();
            rendered = render(recording);
        });

        it("renders every release it registers with the vendored chart, and every object is valid", () => {
            const releases = recording.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            expect(releases.length).to.be.greaterThan(0);
            expect(rendered.releases.map((r) => r.resource.urn)).to.deep.equal(releases.map((r) => r.urn));
            expect(rendered.problems).to.deep.equal([]);
            for (const release of rendered.releases) expect(release.objects.length, release.resource.name).to.be.greaterThan(0);
        });

        it("validates the objects the program registers itself, and skips none", () => {
            const own = recording.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== "kubernetes:helm.sh/v3:Release");
            const checked = rendered.checks.filter((c) => c.registered);
            expect(checked.map((c) => c.from).sort()).to.deep.equal(own.map((r) => r.name).sort());
            expect(checked.length).to.equal(own.length);
            expect(rendered.checks.filter((c) => c.status !== "valid")).to.deep.equal([]);
        });

        // What `pulumi destroy` relies on: a release that makes the cloud create something (an Octavia
        // load balancer for a LoadBalancer Service, a Cinder volume for a claim) is deleted while the
        // cluster still runs, so that the cloud controller removes it; nothing else is.
        it("deletes every in-cluster resource that holds a cloud resource before the cluster, never with it", () => {
            const cloudHolders = rendered.releases.filter((r) => r.objects.some((o: any) => (o.kind === "Service" && o.spec?.type === "LoadBalancer") || (o.kind === "PersistentVolumeClaim" && o.spec?.storageClassName !== "")));
            const anchor = recording.resources.find((r) => r.urn === recording.resources.find((x) => x.deletedWith)?.deletedWith);
            for (const holder of cloudHolders) {
                expect(holder.resource.deletedWith, holder.resource.name).to.equal(undefined);
                if (anchor) expect(upstream(recording, holder.resource.urn), `${holder.resource.name} is deleted before ${anchor.name}`).to.include(anchor.urn);
            }
            if (recording.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && inputsOf(r).chart === "traefik")) expect(cloudHolders.map((h) => h.chart)).to.include("traefik");
        });
    });
}

describe("rendering: what the real charts make of the site's values", function () {
    this.timeout(120000);
    let devRecording: Recording;
    let dev: SiteRender;
    let uksrc: SiteRender;
    let capiTest: SiteRender;
    before(async () => {
        devRecording = await sites["dev (magnum)"]();
        dev = render(devRecording);
        uksrc = render(await sites["uksrc (capi)"]());
        capiTest = render(await sites["capi test site"]());
    });

    it("Traefik: a LoadBalancer on the site's floating IP, the redirect that spares ACME, and six-hour deadlines on both entry points", () => {
        const objects = objectsOf(dev, "traefik");
        const [service] = find(objects, "Service") as any[];
        expect(service.spec).to.include({ type: "LoadBalancer" });
        expect(service.spec.loadBalancerIP).to.match(/^203\.0\.113\.\d+$/);
        expect(service.metadata.annotations).to.include({ "loadbalancer.openstack.org/keep-floatingip": "true" });
        // The chart accepts misspelt keys under ports.*; the arguments show what Traefik really gets.
        const args: string[] = (find(objects, "Deployment")[0] as any).spec.template.spec.containers[0].args;
        expect(args).to.include.members([
            "--entryPoints.web.allowACMEByPass=true",
            "--entryPoints.web.http.redirections.entryPoint.to=:443",
            "--entryPoints.web.http.redirections.entryPoint.scheme=https",
            "--entryPoints.web.transport.respondingTimeouts.readTimeout=21600s",
            "--entryPoints.websecure.transport.respondingTimeouts.readTimeout=21600s",
            "--entryPoints.websecure.transport.respondingTimeouts.writeTimeout=21600s",
        ]);
        const [ingressClass] = find(objects, "IngressClass") as any[];
        expect(ingressClass.metadata.name).to.equal("traefik");
        expect(ingressClass.metadata.annotations).to.include({ "ingressclass.kubernetes.io/is-default-class": "true" });
        expect(find(objects, "PodDisruptionBudget").map((o) => o.apiVersion)).to.deep.equal(["policy/v1"]);
    });

    it("Cluster API: the API's load balancer admits exactly the listed addresses (openstack-cluster reads allowedCIDRs)", () => {
        const [cluster] = find(objectsOf(uksrc, "openstack-cluster"), "OpenStackCluster") as any[];
        const [first, second, egress, router] = cluster.spec.apiServerLoadBalancer.allowedCIDRs;
        expect([first, second, egress]).to.deep.equal(["198.51.100.0/24", "203.0.113.16/28", "203.0.113.200/32"]);
        expect(router).to.match(/^198\.51\.100\.\d+\/32$/);
        expect(cluster.spec.apiServerLoadBalancer.allowedCIDRs).to.have.length(4);
    });

    it("Cluster API: one default storage class, the site's, in the configured zone", () => {
        const classes = addonObjects(objectsOf(uksrc, "openstack-cluster")).filter((o) => o.kind === "StorageClass") as any[];
        const defaults = classes.filter((c) => c.metadata.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true");
        expect(defaults.map((c) => c.metadata.name)).to.deep.equal(["srcnet-cinder"]);
        expect(defaults[0]).to.deep.include({ reclaimPolicy: "Retain", parameters: { availability: "nova" } });
        const schemas = new KubeSchemas();
        for (const c of classes) expect(schemas.check(c).status).to.equal("valid");
    });

    it("Cluster API: an autoscaling group has no replicas (it starts at its minimum), a fixed one its count", () => {
        const deployments = find(objectsOf(capiTest, "openstack-cluster"), "MachineDeployment") as any[];
        const byName = Object.fromEntries(deployments.map((d) => [d.metadata.name, d]));
        expect(byName["capitest-k8s-workers"].spec.replicas).to.equal(2);
        expect(byName["capitest-k8s-burst"].spec).to.not.have.property("replicas");
        expect(byName["capitest-k8s-burst"].metadata.annotations).to.include({ "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size": "1", "cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size": "5" });
    });

    it("Cluster API: the cloud controller and Cinder CSI take the CA from the site's credentials secret instead of tls-insecure", () => {
        const objects = objectsOf(uksrc, "openstack-cluster");
        const [cluster] = find(objects, "OpenStackCluster") as any[];
        expect(cluster.spec.identityRef).to.deep.equal({ name: "uksrc-k8s-cloud-credentials", cloudName: "openstack" });
        // The addon provider fills this template from that secret (cloud_identity), which the site writes with cacert.
        const [template] = (find(objects, "Manifests", "uksrc-k8s-cloud-config")[0] as any).spec.manifestSources.map((m: any) => m.template as string);
        expect(template).to.match(/{%- if "cacert" in cloud_identity.data %}\s+ca-file=\/etc\/config\/cacert\s+{%- else %}\s+tls-insecure=true/);
    });

    it("renders workload-cluster releases for the site's Kubernetes release", () => {
        const versions = kubeVersionOf(buildPlan(devRecording));
        for (const release of dev.releases) expect(versions(release.resource), release.resource.name).to.equal("v1.36.3");
    });
});
