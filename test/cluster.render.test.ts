// The cluster's and the certificates' pure renderers: Magnum labels, the openstack-cluster chart's
// values and clouds.yaml, ingress-nginx values, the storage class, the RSE's read-only volumes and
// the cert-manager issuers, each checked against its exact content.
import { expect } from "chai";
import { parse } from "yaml";
import { deriveSite, type SiteModel } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { magnumLabels, type MagnumConfig } from "../components/cluster/render/magnum";
import { capiValues, cloudsYaml, type CapiConfig, type CapiFacts } from "../components/cluster/render/capi";
import { ingressNginxValues, rseVolumeManifests, storageClassManifest, type RseVolumeFacts } from "../components/cluster/render/platform";
import { certManagerValues, clusterIssuerSpec, ingressTls, issuerName } from "../components/certs/render/issuers";
import { siteOf } from "./harness";

// ---------------------------------------------------------------------------------------------
// Fixtures

/** The secret keys each committed stack needs, given as secrets. */
const stackSecrets: Record<string, readonly string[]> = {
    dev: ["iamAdminClientSecret"],
    uksrc: ["openstackApplicationCredentialSecret", "iamAdminClientSecret", "capiManagementKubeconfig"],
};

/** The model of a committed stack's site after `change`, validated the way the program does it. */
function modelOf(stack: "dev" | "uksrc", change: (site: any) => void = () => undefined): SiteModel {
    const site = siteOf(stack);
    change(site);
    const keys = [{ key: "site", secret: false }, ...stackSecrets[stack].map((key) => ({ key, secret: true }))];
    const result = validateStackConfig({ site, keys });
    if (!result.ok) throw new Error(`invalid site: ${result.problems.map((p) => `${p.where}: ${p.message}`).join("; ")}`);
    return deriveSite(result.site);
}

function magnumOf(change: (site: any) => void = () => undefined): { cluster: MagnumConfig; adminCidrs: readonly string[] } {
    const model = modelOf("dev", change);
    const cluster = model.config.cluster;
    if (cluster.backend !== "magnum") throw new Error(`dev has a ${cluster.backend} cluster, not magnum`);
    return { cluster, adminCidrs: model.config.openstack.adminCidrs };
}

function capiOf(change: (site: any) => void = () => undefined): { cluster: CapiConfig; model: SiteModel } {
    const model = modelOf("uksrc", change);
    const cluster = model.config.cluster;
    if (cluster.backend !== "capi") throw new Error(`uksrc has a ${cluster.backend} cluster, not capi`);
    return { cluster, model };
}

/** What the program knows about the cloud when it renders the chart's values (fake IDs). */
function factsOf(model: SiteModel, overrides: Partial<CapiFacts> = {}): CapiFacts {
    return {
        credentialsSecret: "uksrc-k8s-cloud-credentials",
        externalNetworkId: "ext-0000-1111",
        networkId: "net-2222-3333",
        subnetId: "subnet-4444-5555",
        adminCidrs: model.config.openstack.adminCidrs,
        keyPair: model.config.openstack.keyPair,
        ...overrides,
    };
}

/** What every Magnum cluster of the site gets besides the release, bounds and allowed CIDRs. */
const fixedMagnumLabels = {
    cinder_csi_enabled: "true",
    cloud_provider_enabled: "true",
    master_lb_floating_ip_enabled: "true",
};

// ---------------------------------------------------------------------------------------------
// Magnum

describe("cluster render: Magnum labels", () => {
    it("dev: the release for the Heat driver, healing on, no autoscaling, the API admitting the IPv4 admin network", () => {
        const { cluster, adminCidrs } = magnumOf();
        expect(adminCidrs).to.deep.equal(["192.0.2.0/24", "2001:db8:42::/48"]);
        expect(magnumLabels(cluster, adminCidrs)).to.deep.equal({
            kube_tag: "v1.30.4",
            auto_healing_enabled: "true",
            auto_scaling_enabled: "false",
            ...fixedMagnumLabels,
            // Octavia's allowed CIDRs for the Heat driver and for magnum-capi-helm; the IPv6 network is left out.
            master_lb_allowed_cidrs: "192.0.2.0/24",
            api_master_lb_allowed_cidrs: "192.0.2.0/24",
        });
    });

    it("every label value is a string", () => {
        const { cluster, adminCidrs } = magnumOf((site) => {
            site.cluster.nodeGroups[0] = { ...site.cluster.nodeGroups[0], minCount: 1, maxCount: 5 };
        });
        for (const [key, value] of Object.entries(magnumLabels(cluster, adminCidrs))) {
            expect(value, key).to.be.a("string");
        }
    });

    it("several IPv4 admin networks are joined with commas, in order, IPv6 ones dropped", () => {
        const { cluster } = magnumOf();
        const labels = magnumLabels(cluster, ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32", "203.0.113.0/28"]);
        expect(labels.master_lb_allowed_cidrs).to.equal("192.0.2.0/24,198.51.100.7/32,203.0.113.0/28");
        expect(labels.api_master_lb_allowed_cidrs).to.equal("192.0.2.0/24,198.51.100.7/32,203.0.113.0/28");
    });

    it("IPv6-only admin networks: no allowed-CIDRs labels at all (an empty list would be invalid)", () => {
        const { cluster } = magnumOf();
        expect(magnumLabels(cluster, ["2001:db8:42::/48", "2001:db8:43::/48"])).to.deep.equal({
            kube_tag: "v1.30.4",
            auto_healing_enabled: "true",
            auto_scaling_enabled: "false",
            ...fixedMagnumLabels,
        });
    });

    it("a first node group with bounds turns autoscaling on with both bounds", () => {
        const { cluster, adminCidrs } = magnumOf((site) => {
            site.cluster.nodeGroups[0] = { ...site.cluster.nodeGroups[0], minCount: 1, maxCount: 5 };
            site.cluster.autoHealing = false;
        });
        expect(magnumLabels(cluster, adminCidrs)).to.deep.equal({
            kube_tag: "v1.30.4",
            auto_healing_enabled: "false",
            auto_scaling_enabled: "true",
            min_node_count: "1",
            max_node_count: "5",
            ...fixedMagnumLabels,
            master_lb_allowed_cidrs: "192.0.2.0/24",
            api_master_lb_allowed_cidrs: "192.0.2.0/24",
        });
    });

    it("one bound alone turns autoscaling on and sets only that bound", () => {
        const { cluster, adminCidrs } = magnumOf((site) => {
            site.cluster.nodeGroups[0] = { ...site.cluster.nodeGroups[0], maxCount: 6 };
        });
        const labels = magnumLabels(cluster, adminCidrs);
        expect(labels.auto_scaling_enabled).to.equal("true");
        expect(labels.max_node_count).to.equal("6");
        expect(labels).to.not.have.property("min_node_count");
    });

    it("operator labels are added and override the derived ones", () => {
        const { cluster, adminCidrs } = magnumOf((site) => {
            site.cluster.labels = {
                kube_tag: "v1.30.5",
                auto_healing_enabled: "false",
                master_lb_allowed_cidrs: "10.0.0.0/8",
                boot_volume_size: "40",
            };
        });
        expect(magnumLabels(cluster, adminCidrs)).to.deep.equal({
            kube_tag: "v1.30.5",
            auto_healing_enabled: "false",
            auto_scaling_enabled: "false",
            ...fixedMagnumLabels,
            master_lb_allowed_cidrs: "10.0.0.0/8",
            api_master_lb_allowed_cidrs: "192.0.2.0/24",
            boot_volume_size: "40",
        });
    });

    it("an existing template and no kubernetesVersion: no kube_tag (the template's release stands)", () => {
        const { cluster, adminCidrs } = magnumOf((site) => {
            site.cluster.template = "k8s-1.30-template";
            delete site.cluster.kubernetesVersion;
            delete site.cluster.image;
        });
        expect(cluster.kubernetesVersion).to.equal(undefined);
        expect(magnumLabels(cluster, adminCidrs)).to.deep.equal({
            auto_healing_enabled: "true",
            auto_scaling_enabled: "false",
            ...fixedMagnumLabels,
            master_lb_allowed_cidrs: "192.0.2.0/24",
            api_master_lb_allowed_cidrs: "192.0.2.0/24",
        });
    });
});

// ---------------------------------------------------------------------------------------------
// Cluster API: openstack-cluster values and clouds.yaml

describe("cluster render: openstack-cluster chart values", () => {
    it("uksrc: exact values from the config and the cloud's facts", () => {
        const { cluster, model } = capiOf();
        expect(capiValues(cluster, factsOf(model))).to.deep.equal({
            cloudCredentialsSecretName: "uksrc-k8s-cloud-credentials",
            kubernetesVersion: "1.30.4",
            machineImage: "ubuntu-jammy-kube-v1.30.4",
            machineSSHKeyName: "uksrc-ops",
            controlPlane: { machineFlavor: "l3.small", machineCount: 3 },
            nodeGroups: [{ name: "workers", machineFlavor: "l3.xlarge", machineCount: 4, autoscale: true, machineCountMin: 3, machineCountMax: 10 }],
            clusterNetworking: {
                externalNetworkId: "ext-0000-1111",
                internalNetwork: { networkFilter: { id: "net-2222-3333" }, subnetFilter: { id: "subnet-4444-5555" } },
            },
            apiServer: { enableLoadBalancer: true, associateFloatingIP: true, allowedCIDRs: ["198.51.100.0/24", "203.0.113.16/28"] },
            addons: { ingress: { enabled: false }, certManager: { enabled: false }, monitoring: { enabled: false } },
        });
    });

    it("a node group without bounds has no autoscale keys; one bound takes the count for the other", () => {
        const { cluster, model } = capiOf((site) => {
            site.cluster.nodeGroups.push({ name: "gpu", flavor: "g1.large", count: 2 });
            site.cluster.nodeGroups.push({ name: "burst", flavor: "l3.large", count: 1, maxCount: 8 });
        });
        const groups = capiValues(cluster, factsOf(model)).nodeGroups;
        expect(groups).to.deep.equal([
            { name: "workers", machineFlavor: "l3.xlarge", machineCount: 4, autoscale: true, machineCountMin: 3, machineCountMax: 10 },
            { name: "gpu", machineFlavor: "g1.large", machineCount: 2 },
            { name: "burst", machineFlavor: "l3.large", machineCount: 1, autoscale: true, machineCountMin: 1, machineCountMax: 8 },
        ]);
    });

    it("kubernetesVersion: the chart takes it without the leading v", () => {
        const withV = capiOf((site) => (site.cluster.kubernetesVersion = "v1.30.4"));
        expect(capiValues(withV.cluster, factsOf(withV.model)).kubernetesVersion).to.equal("1.30.4");
        const withoutV = capiOf((site) => (site.cluster.kubernetesVersion = "1.31.2"));
        expect(capiValues(withoutV.cluster, factsOf(withoutV.model)).kubernetesVersion).to.equal("1.31.2");
    });

    it("without a key pair there is no machineSSHKeyName; without admin networks no allowedCIDRs", () => {
        const { cluster, model } = capiOf();
        const values = capiValues(cluster, factsOf(model, { keyPair: undefined, adminCidrs: [] }));
        expect(values).to.not.have.property("machineSSHKeyName");
        expect(values.apiServer).to.deep.equal({ enableLoadBalancer: true, associateFloatingIP: true });
    });
});

describe("cluster render: clouds.yaml for the Cluster API controllers", () => {
    const credential = {
        authUrl: "https://openstack.stfc.example.ac.uk:5000/v3",
        region: "RegionOne",
        id: "0123456789abcdef0123456789abcdef",
        secret: "s3cr3t-value",
    };

    it("one cloud named openstack with an application credential and identity API 3", () => {
        expect(parse(cloudsYaml(credential))).to.deep.equal({
            clouds: {
                openstack: {
                    auth: {
                        auth_url: "https://openstack.stfc.example.ac.uk:5000/v3",
                        application_credential_id: "0123456789abcdef0123456789abcdef",
                        application_credential_secret: "s3cr3t-value",
                    },
                    region_name: "RegionOne",
                    interface: "public",
                    identity_api_version: 3,
                    auth_type: "v3applicationcredential",
                },
            },
        });
    });

    it("a secret with YAML's special characters comes back byte for byte", () => {
        const secret = `a: b #c 'd' "e" - [f] {g} &h *i !j |k >l %m @n \`o\` 0x10 yes null`;
        for (const value of [secret, "123456", "true", "~", " leading and trailing "]) {
            const doc = parse(cloudsYaml({ ...credential, secret: value }));
            expect(doc.clouds.openstack.auth.application_credential_secret).to.equal(value);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// Platform: ingress-nginx, the storage class, the RSE's volumes

describe("cluster render: ingress-nginx values", () => {
    it("large transfers through an OpenStack load balancer on the site's floating IP", () => {
        expect(ingressNginxValues("203.0.113.80")).to.deep.equal({
            controller: {
                replicaCount: 2,
                ingressClass: "nginx",
                ingressClassResource: { name: "nginx", enabled: true, default: true },
                service: {
                    type: "LoadBalancer",
                    loadBalancerIP: "203.0.113.80",
                    annotations: {
                        "loadbalancer.openstack.org/keep-floatingip": "true",
                        "loadbalancer.openstack.org/timeout-client-data": "3600000",
                        "loadbalancer.openstack.org/timeout-member-data": "3600000",
                    },
                },
                config: {
                    "proxy-body-size": "0",
                    "proxy-request-buffering": "off",
                    "proxy-buffering": "off",
                    "proxy-read-timeout": "3600",
                    "proxy-send-timeout": "3600",
                },
            },
        });
    });

    it("the controller's ConfigMap values and the service's annotations are all strings", () => {
        const values = ingressNginxValues("203.0.113.80") as any;
        for (const value of [...Object.values(values.controller.config), ...Object.values(values.controller.service.annotations)]) {
            expect(value).to.be.a("string");
        }
    });
});

describe("cluster render: the Cinder storage class", () => {
    for (const reclaimPolicy of ["Retain", "Delete"] as const) {
        it(`${reclaimPolicy}: the default class, expandable, bound where the pod is scheduled`, () => {
            expect(storageClassManifest({ name: "cinder-default", reclaimPolicy })).to.deep.equal({
                metadata: { name: "cinder-default", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
                provisioner: "cinder.csi.openstack.org",
                reclaimPolicy,
                allowVolumeExpansion: true,
                volumeBindingMode: "WaitForFirstConsumer",
            });
        });
    }
});

describe("cluster render: the RSE's read-only NFS volumes", () => {
    const facts = (model: SiteModel): RseVolumeFacts => ({
        sitePrefix: model.name,
        rse: model.storage.rse.name,
        namespace: "dev-jupyterhub",
        nfsServer: "10.42.0.10",
        volumeSizeGb: model.config.storage.volume.sizeGb,
    });

    const expected = (site: string, rse: string, area: string, size: string) => {
        const labels = { "srcnet-site/rse": rse, "srcnet-site/storage-area": area };
        return {
            volume: {
                metadata: { name: `${site}-rse-${area}`, labels },
                spec: {
                    capacity: { storage: size },
                    accessModes: ["ReadOnlyMany"],
                    nfs: { server: "10.42.0.10", path: `/storage/${area}`, readOnly: true },
                    mountOptions: ["nfsvers=4.2", "ro", "noatime"],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "",
                    claimRef: { namespace: "dev-jupyterhub", name: `rse-${area}` },
                },
            },
            claim: {
                metadata: { name: `rse-${area}`, namespace: "dev-jupyterhub", labels },
                spec: { accessModes: ["ReadOnlyMany"], storageClassName: "", volumeName: `${site}-rse-${area}`, resources: { requests: { storage: size } } },
            },
        };
    };

    it("an area with a quota: its size is the quota", () => {
        const model = modelOf("dev");
        const [dev, scratch] = model.storage.areas;
        expect(rseVolumeManifests(dev, facts(model))).to.deep.equal(expected("dev", "DEV_STORM", "dev", "80Gi"));
        expect(rseVolumeManifests(scratch, facts(model))).to.deep.equal(expected("dev", "DEV_STORM", "scratch", "10Gi"));
    });

    it("an area without a quota: its size is the data volume's", () => {
        const model = modelOf("dev", (site) => {
            for (const area of site.storage.storageAreas) delete area.quotaGb;
        });
        expect(rseVolumeManifests(model.storage.areas[0], facts(model))).to.deep.equal(expected("dev", "DEV_STORM", "dev", "100Gi"));
    });

    it("the volume is the claim's and the claim the volume's, whatever the area", () => {
        const model = modelOf("uksrc");
        for (const area of model.storage.areas) {
            // Plain values throughout: nothing here is a Pulumi output.
            const { volume, claim } = rseVolumeManifests(area, { ...facts(model), namespace: "uksrc-jupyterhub" }) as any;
            expect(volume.spec).to.have.nested.property("claimRef.name", claim.metadata.name);
            expect(volume.spec).to.have.nested.property("claimRef.namespace", "uksrc-jupyterhub");
            expect(claim.spec).to.have.property("volumeName", volume.metadata.name);
            expect(claim.spec).to.have.nested.property("resources.requests.storage", volume.spec.capacity.storage);
            expect(volume.spec).to.have.nested.property("nfs.path", area.rootPath);
        }
    });

    // Area names become parts of Kubernetes names: the schema allows only names valid there.
    it("every valid storage-area name gives Kubernetes-valid object names and label values", () => {
        const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
        const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
        for (const name of ["a", "skao-data", "x9", "a".repeat(32)]) {
            const model = modelOf("dev", (site) => {
                site.storage.storageAreas = [{ name, quotaGb: 10 }];
            });
            const { volume, claim } = rseVolumeManifests(model.storage.areas[0], facts(model)) as any;
            expect(volume.metadata.name, "PV name").to.match(subdomain);
            expect(claim.metadata.name, "PVC name").to.match(subdomain);
            expect(volume.metadata.labels["srcnet-site/storage-area"], "label value").to.match(labelValue);
        }
        for (const name of ["user_data", "data-"]) {
            expect(() => modelOf("dev", (site) => (site.storage.storageAreas = [{ name, quotaGb: 10 }])), name).to.throw(/storageAreas\[0\]\.name/);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// cert-manager and the Let's Encrypt issuers

describe("certs render: cert-manager and its ClusterIssuers", () => {
    it("issuer names", () => {
        expect(issuerName("staging")).to.equal("letsencrypt-staging");
        expect(issuerName("production")).to.equal("letsencrypt-production");
    });

    it("staging: the ACME staging directory, HTTP-01 through the nginx ingress", () => {
        expect(clusterIssuerSpec("staging", "ops@example.org")).to.deep.equal({
            acme: {
                server: "https://acme-staging-v02.api.letsencrypt.org/directory",
                email: "ops@example.org",
                privateKeySecretRef: { name: "letsencrypt-staging-account" },
                solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
            },
        });
    });

    it("production: the ACME production directory", () => {
        expect(clusterIssuerSpec("production", "uksrc-ops@example.ac.uk")).to.deep.equal({
            acme: {
                server: "https://acme-v02.api.letsencrypt.org/directory",
                email: "uksrc-ops@example.ac.uk",
                privateKeySecretRef: { name: "letsencrypt-production-account" },
                solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
            },
        });
    });

    it("the site's derived ACME server is one the issuers cover", () => {
        expect(modelOf("dev").acme.server).to.equal("staging");
        expect(modelOf("uksrc").acme.server).to.equal("production");
        expect((clusterIssuerSpec(modelOf("uksrc").acme.server, "x@example.org") as any).acme.server).to.equal(modelOf("uksrc").acme.directoryUrl);
    });

    it("chart values: CRDs installed and kept, exact-path challenge ingresses off", () => {
        expect(certManagerValues()).to.deep.equal({
            crds: { enabled: true, keep: true },
            featureGates: "ACMEHTTP01IngressPathTypeExact=false",
        });
    });

    it("an ingress's TLS: the issuer annotation and the host's own secret", () => {
        expect(ingressTls("jupyter.dev.srcnet.example.org", "staging")).to.deep.equal({
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-staging" },
            tls: [{ hosts: ["jupyter.dev.srcnet.example.org"], secretName: "jupyter-dev-srcnet-example-org-tls" }],
        });
        expect(ingressTls("rucio.uksrc.example.ac.uk", "production")).to.deep.equal({
            annotations: { "cert-manager.io/cluster-issuer": "letsencrypt-production" },
            tls: [{ hosts: ["rucio.uksrc.example.ac.uk"], secretName: "rucio-uksrc-example-ac-uk-tls" }],
        });
    });
});
