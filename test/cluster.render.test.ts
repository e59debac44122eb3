// The cluster's and the certificates' pure renderers: Magnum labels, the openstack-cluster chart's
// values, clouds.yaml and its Secret, Traefik values, the RSE's read-only volumes and the
// cert-manager issuers, each checked against its exact content (render.test.ts renders them with
// the real charts).
import { expect } from "chai";
import { parse } from "yaml";
import { deriveSite, type SiteModel } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { rootCertificates } from "node:tls";
import { magnumLabels, nodeCounts, type MagnumConfig } from "../components/cluster/render/magnum";
import { apiAllowedCidrs, capiValues, cloudCredentials, cloudsYaml, type CapiConfig, type CapiFacts } from "../components/cluster/render/capi";
import { rseVolumeManifests, traefikValues, type RseVolumeFacts, type VolumeClass } from "../components/cluster/render/platform";
import { cloudCa, publicRoots } from "../components/site/cloud-ca";
import { certManagerValues, clusterIssuerSpec, ingressTls, issuerName } from "../components/certs/render/issuers";
import { siteOf } from "./harness";

// ---------------------------------------------------------------------------------------------
// Fixtures

/** The secret keys each committed stack needs, given as secrets. */
const stackSecrets: Record<string, readonly string[]> = {
    dev: ["iamAdminClientSecret"],
    uksrc: ["openstackApplicationCredentialSecret", "iamAdminClientSecret", "capiManagementKubeconfig", "rucioClientSecret"],
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

function magnumOf(change: (site: any) => void = () => undefined): { cluster: MagnumConfig } {
    const model = modelOf("dev", change);
    const cluster = model.config.cluster;
    if (cluster.backend !== "magnum") throw new Error(`dev has a ${cluster.backend} cluster, not magnum`);
    return { cluster };
}

function capiOf(change: (site: any) => void = () => undefined): { cluster: CapiConfig; model: SiteModel } {
    const model = modelOf("uksrc", change);
    const cluster = model.config.cluster;
    if (cluster.backend !== "capi") throw new Error(`uksrc has a ${cluster.backend} cluster, not capi`);
    return { cluster, model };
}

const testVolumes: VolumeClass = { reclaimPolicy: "Delete", availabilityZone: "nova" };
const productionVolumes: VolumeClass = { reclaimPolicy: "Retain", availabilityZone: "nova" };

/** What the program knows about the cloud when it renders the chart's values (fake IDs). */
function factsOf(model: SiteModel, overrides: Partial<CapiFacts> = {}): CapiFacts {
    return {
        credentialsSecret: "uksrc-k8s-cloud-credentials",
        externalNetworkId: "ext-0000-1111",
        networkId: "net-2222-3333",
        subnetId: "subnet-4444-5555",
        adminCidrs: model.config.openstack.adminCidrs,
        routerExternalIp: "198.51.100.77",
        keyPair: model.config.openstack.keyPair,
        volumeClass: productionVolumes,
        ...overrides,
    };
}

const labelsOf = (m: { cluster: MagnumConfig }, volumeClass = testVolumes) => magnumLabels(m.cluster, volumeClass);

// ---------------------------------------------------------------------------------------------
// Magnum (its Cluster API driver, magnum-capi-helm)

describe("cluster render: Magnum labels for its Cluster API driver", () => {
    it("dev: healing on, no autoscaling, the API's floating IP, the default storage class", () => {
        expect(labelsOf(magnumOf())).to.deep.equal({
            auto_healing_enabled: "true",
            auto_scaling_enabled: "false",
            master_lb_floating_ip_enabled: "true",
            csi_cinder_reclaim_policy: "Delete",
            csi_cinder_availability_zone: "nova",
            csi_cinder_allow_volume_expansion: "true",
        });
    });

    // The Heat driver read these; the Cluster API driver reads none of them (magnum_capi_helm/driver.py).
    it("sets no label only the removed Heat driver reads", () => {
        const labels = labelsOf(magnumOf());
        for (const heatOnly of ["kube_tag", "container_runtime", "master_lb_allowed_cidrs", "cloud_provider_enabled", "cinder_csi_enabled"]) {
            expect(labels, heatOnly).to.not.have.property(heatOnly);
        }
    });

    // The driver passes it as apiServer.allowedCidrs, which openstack-cluster 0.24 and later do not read.
    it("sets no allowed-CIDRs label, which would limit nothing and replace the cluster whenever the admin networks change", () => {
        expect(labelsOf(magnumOf())).to.not.have.property("api_master_lb_allowed_cidrs");
    });

    it("every label value is a string", () => {
        const m = magnumOf((site) => (site.cluster.nodeGroups[0] = { name: "default", flavor: "m1.large", minCount: 1, maxCount: 5 }));
        for (const [key, value] of Object.entries(labelsOf(m, productionVolumes))) expect(value, key).to.be.a("string");
    });

    it("autoscaling is on when any group autoscales; the default group's bounds are labels only when it autoscales", () => {
        const first = magnumOf((site) => (site.cluster.nodeGroups[0] = { name: "default", flavor: "m1.large", minCount: 1, maxCount: 5 }));
        expect(labelsOf(first)).to.include({ auto_scaling_enabled: "true", min_node_count: "1", max_node_count: "5" });
        // Magnum's driver scales each further group between its own bounds, so a later group alone turns it on.
        const later = magnumOf((site) => site.cluster.nodeGroups.push({ name: "burst", flavor: "m1.xlarge", minCount: 1, maxCount: 4 }));
        expect(labelsOf(later)).to.include({ auto_scaling_enabled: "true" });
        expect(labelsOf(later)).to.not.have.any.keys("min_node_count", "max_node_count");
    });

    it("retains volumes when asked; the volumes' zone is the one given", () => {
        expect(labelsOf(magnumOf(), { reclaimPolicy: "Retain", availabilityZone: "ceph" })).to.include({ csi_cinder_reclaim_policy: "Retain", csi_cinder_availability_zone: "ceph" });
    });

    it("operator labels are added and override the derived ones", () => {
        const m = magnumOf((site) => (site.cluster.labels = { auto_healing_enabled: "false", boot_volume_size: "40" }));
        expect(labelsOf(m)).to.include({ auto_healing_enabled: "false", boot_volume_size: "40", auto_scaling_enabled: "false" });
    });

    it("node counts: a fixed group is bounded by its size, an autoscaling one starts at its minimum", () => {
        expect(nodeCounts({ name: "abc", flavor: "f", count: 3 })).to.deep.equal({ count: 3, min: 3, max: 3 });
        expect(nodeCounts({ name: "abc", flavor: "f", minCount: 2, maxCount: 6 })).to.deep.equal({ count: 2, min: 2, max: 6 });
    });
});

// ---------------------------------------------------------------------------------------------
// Cluster API: openstack-cluster values and clouds.yaml

describe("cluster render: openstack-cluster chart values", () => {
    it("uksrc: exact values from the config and the cloud's facts", () => {
        const { cluster, model } = capiOf();
        expect(capiValues(cluster, factsOf(model))).to.deep.equal({
            cloudCredentialsSecretName: "uksrc-k8s-cloud-credentials",
            kubernetesVersion: "1.36.3",
            machineImage: "ubuntu-noble-kube-v1.36.3",
            machineSSHKeyName: "uksrc-ops",
            controlPlane: { machineFlavor: "l3.small", machineCount: 3, failureDomains: ["nova"], omitFailureDomain: false },
            nodeGroups: [{ name: "workers", machineFlavor: "l3.xlarge", failureDomain: "nova", autoscale: true, machineCountMin: 3, machineCountMax: 10 }],
            clusterNetworking: {
                externalNetworkId: "ext-0000-1111",
                internalNetwork: { networkFilter: { id: "net-2222-3333" }, subnetFilter: { id: "subnet-4444-5555" } },
            },
            // The admin networks, the management cluster's egress, and the site router the nodes' traffic leaves through.
            apiServer: { enableLoadBalancer: true, associateFloatingIP: true, allowedCIDRs: ["198.51.100.0/24", "203.0.113.16/28", "203.0.113.200/32", "198.51.100.77/32"] },
            addons: {
                ingress: { enabled: false },
                certManager: { enabled: false },
                monitoring: { enabled: false },
                openstack: {
                    csiCinder: {
                        defaultStorageClass: {
                            enabled: true,
                            name: "srcnet-cinder",
                            isClusterDefault: true,
                            reclaimPolicy: "Retain",
                            allowVolumeExpansion: true,
                            volumeBindingMode: "WaitForFirstConsumer",
                            availabilityZone: "nova",
                        },
                    },
                },
            },
        });
    });

    it("a fixed group has machineCount only; an autoscaling one its bounds and no machineCount", () => {
        const { cluster, model } = capiOf((site) => {
            site.cluster.nodeGroups.push({ name: "gpu", flavor: "g1.large", count: 2 });
            site.cluster.nodeGroups.push({ name: "burst", flavor: "l3.large", minCount: 1, maxCount: 8 });
        });
        expect(capiValues(cluster, factsOf(model)).nodeGroups).to.deep.equal([
            { name: "workers", machineFlavor: "l3.xlarge", failureDomain: "nova", autoscale: true, machineCountMin: 3, machineCountMax: 10 },
            { name: "gpu", machineFlavor: "g1.large", failureDomain: "nova", machineCount: 2 },
            { name: "burst", machineFlavor: "l3.large", failureDomain: "nova", autoscale: true, machineCountMin: 1, machineCountMax: 8 },
        ]);
    });

    it("kubernetesVersion: the chart takes it without the leading v", () => {
        const withV = capiOf((site) => (site.cluster.kubernetesVersion = "v1.36.3"));
        expect(capiValues(withV.cluster, factsOf(withV.model)).kubernetesVersion).to.equal("1.36.3");
        const withoutV = capiOf((site) => (site.cluster.kubernetesVersion = "1.35.7"));
        expect(capiValues(withoutV.cluster, factsOf(withoutV.model)).kubernetesVersion).to.equal("1.35.7");
    });

    it("the API's allowed CIDRs: IPv6 admin networks dropped, duplicates once, the router always", () => {
        const { cluster } = capiOf();
        expect(apiAllowedCidrs(cluster, { adminCidrs: ["2001:db8::/32", "203.0.113.200/32"], routerExternalIp: "198.51.100.77" })).to.deep.equal(["203.0.113.200/32", "198.51.100.77/32"]);
        expect(apiAllowedCidrs(cluster, { adminCidrs: [], routerExternalIp: "198.51.100.77" })).to.deep.equal(["203.0.113.200/32", "198.51.100.77/32"]);
    });

    it("the nodes' zone pins the nodes, the volumes' zone the storage class; without a key pair there is no machineSSHKeyName", () => {
        const { cluster, model } = capiOf((site) => (site.cluster.availabilityZone = "az-compute"));
        const values = capiValues(cluster, factsOf(model, { keyPair: undefined, volumeClass: { reclaimPolicy: "Delete", availabilityZone: "az-volumes" } })) as any;
        expect(values).to.not.have.property("machineSSHKeyName");
        expect(values.controlPlane.failureDomains).to.deep.equal(["az-compute"]);
        expect(values.nodeGroups[0].failureDomain).to.equal("az-compute");
        expect(values.addons.openstack.csiCinder.defaultStorageClass).to.include({ availabilityZone: "az-volumes", reclaimPolicy: "Delete" });
    });

    it("refuses to render without the site router's address, which the nodes need admitted", () => {
        const { cluster, model } = capiOf();
        expect(() => capiValues(cluster, factsOf(model, { routerExternalIp: "" }))).to.throw('the site router has no IPv4 address on the external network (got ""), which the Kubernetes API must admit for the nodes to join');
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
        for (const value of [secret, "123456", "true", "~", " leading and trailing ", "on", "off", "yes", "no", "y"]) {
            // openstacksdk reads clouds.yaml with PyYAML, which follows YAML 1.1.
            const doc = parse(cloudsYaml({ ...credential, secret: value }), { version: "1.1" });
            expect(doc.clouds.openstack.auth.application_credential_secret).to.equal(value);
        }
    });
});

describe("cluster render: the cloud-credentials Secret", () => {
    const credential = { authUrl: "https://keystone.example.ac.uk:5000/v3", region: "RegionOne", id: "id", secret: "s" };
    // Without cacert the chart's cloud controller and Cinder CSI run with tls-insecure=true.
    it("holds clouds.yaml and the CA certificates the controllers verify the cloud with", () => {
        const data = cloudCredentials(credential, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        expect(Object.keys(data).sort()).to.deep.equal(["cacert", "clouds.yaml"]);
        expect(data.cacert).to.equal("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        expect(data["clouds.yaml"]).to.equal(cloudsYaml(credential));
    });

    describe("the cloud's CA, found where the OpenStack provider finds it", () => {
        const pem = (n: string) => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----\n`;
        const lookup = (files: Record<string, string>, env: Record<string, string> = {}) => ({
            env,
            home: "/home/op",
            cwd: "/work/site",
            exists: (p: string) => p in files,
            read: (p: string) => {
                if (!(p in files)) throw Object.assign(new Error("no such file"), { code: "ENOENT" });
                return files[p];
            },
        });
        const cloudsYaml = "clouds:\n  stfc:\n    auth: {auth_url: https://keystone.example.ac.uk:5000/v3}\n    cacert: /etc/pki/stfc-ca.pem\n  other: {}\n";

        it("takes site.openstack.caCertificate first", () => {
            expect(cloudCa({ caCertificate: pem("A"), cloud: "stfc" }, lookup({ "/home/op/.config/openstack/clouds.yaml": cloudsYaml, "/etc/pki/stfc-ca.pem": pem("B") }, { OS_CACERT: "/x" }))).to.deep.equal({ pem: pem("A"), source: "site.openstack.caCertificate" });
        });

        it("then OS_CACERT, then the cacert of the cloud's clouds.yaml entry, in OpenStack's search order", () => {
            expect(cloudCa({ cloud: "stfc" }, lookup({ "/ca.pem": pem("E") }, { OS_CACERT: "/ca.pem" })).pem).to.equal(pem("E"));
            const files = { "/home/op/.config/openstack/clouds.yaml": cloudsYaml, "/etc/pki/stfc-ca.pem": pem("B"), "/etc/openstack/clouds.yaml": "clouds: {stfc: {cacert: /wrong}}" };
            expect(cloudCa({ cloud: "stfc" }, lookup(files))).to.deep.equal({ pem: pem("B"), source: "/etc/pki/stfc-ca.pem" });
            expect(cloudCa({ cloud: "stfc" }, lookup({ ...files, "/work/site/clouds.yaml": "clouds: {stfc: {cacert: /etc/pki/local.pem}}", "/etc/pki/local.pem": pem("L") })).pem).to.equal(pem("L"));
        });

        // gophercloud/utils clientconfig FindAndReadCloudsYAML: OS_CLIENT_CONFIG_FILE, then clouds.yaml in each place, then clouds.yml.
        it("reads OS_CLIENT_CONFIG_FILE first, and clouds.yml only where no clouds.yaml is found", () => {
            const named = { "/srv/site-clouds.yaml": "clouds: {stfc: {cacert: /etc/pki/named.pem}}", "/etc/pki/named.pem": pem("N"), "/work/site/clouds.yaml": "clouds: {stfc: {cacert: /x}}" };
            expect(cloudCa({ cloud: "stfc" }, lookup(named, { OS_CLIENT_CONFIG_FILE: "/srv/site-clouds.yaml" })).pem).to.equal(pem("N"));
            const yml = { "/work/site/clouds.yml": "clouds: {stfc: {cacert: /etc/pki/yml.pem}}", "/etc/pki/yml.pem": pem("Y") };
            expect(cloudCa({ cloud: "stfc" }, lookup(yml)).pem).to.equal(pem("Y"));
            const both = { ...yml, "/etc/openstack/clouds.yaml": "clouds: {stfc: {cacert: /etc/pki/site.pem}}", "/etc/pki/site.pem": pem("S") };
            expect(cloudCa({ cloud: "stfc" }, lookup(both)).pem).to.equal(pem("S"));
        });

        it("else the public roots Node.js ships", () => {
            expect(cloudCa({ cloud: "other" }, lookup({ "/home/op/.config/openstack/clouds.yaml": cloudsYaml }))).to.deep.equal({ pem: `${rootCertificates.join("\n")}\n`, source: "the public roots" });
            expect(cloudCa({}, lookup({}))).to.deep.equal(publicRoots());
        });

        it("says which CA file it cannot read", () => {
            expect(() => cloudCa({ cloud: "stfc" }, lookup({ "/home/op/.config/openstack/clouds.yaml": cloudsYaml }))).to.throw("the cloud's CA file /etc/pki/stfc-ca.pem cannot be read (ENOENT)");
        });
    });
});

// ---------------------------------------------------------------------------------------------
// Platform: Traefik and the RSE's volumes

describe("cluster render: Traefik values", () => {
    const values = traefikValues({ address: "203.0.113.80", ingressClass: "traefik", defaultClass: true }) as any;

    it("the OpenStack load balancer on the site's floating IP, kept when the service goes, with hour-long stall timeouts", () => {
        expect(values.service).to.deep.equal({
            annotations: {
                "loadbalancer.openstack.org/keep-floatingip": "true",
                "loadbalancer.openstack.org/timeout-client-data": "3600000",
                "loadbalancer.openstack.org/timeout-member-data": "3600000",
            },
            spec: { loadBalancerIP: "203.0.113.80" },
        });
    });

    it("entry points that let a transfer run six hours (Traefik's default read deadline is 60 s)", () => {
        for (const port of ["web", "websecure"]) {
            expect(values.ports[port].transport).to.deep.equal({ respondingTimeouts: { readTimeout: "21600s", writeTimeout: "21600s", idleTimeout: "180s" } });
        }
    });

    it("HTTP redirected to HTTPS, except ACME's HTTP-01 challenges", () => {
        expect(values.ports.web.http.redirections.entryPoint).to.deep.equal({ to: "websecure", scheme: "https", permanent: true });
        expect(values.ports.web.allowACMEByPass).to.equal(true);
    });

    it("the default IngressClass of the site's name, two replicas and a disruption budget", () => {
        expect(values.ingressClass).to.deep.equal({ enabled: true, isDefaultClass: true, name: "traefik" });
        expect(values.deployment).to.deep.equal({ replicas: 2 });
        expect(values.podDisruptionBudget).to.deep.equal({ enabled: true, minAvailable: 1 });
        expect(values.providers.kubernetesIngress.publishedService).to.deep.equal({ enabled: true });
    });

    it("every annotation is a string", () => {
        for (const value of Object.values(values.service.annotations)) expect(value).to.be.a("string");
    });

    it("leaves a shared cluster's default IngressClass alone", () => {
        expect((traefikValues({ address: "192.0.2.80", ingressClass: "site-a", defaultClass: false }) as any).ingressClass).to.deep.equal({ enabled: true, isDefaultClass: false, name: "site-a" });
    });
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

    it("staging: the ACME staging directory, HTTP-01 through the site's ingress class", () => {
        expect(clusterIssuerSpec("staging", "ops@example.org", "traefik")).to.deep.equal({
            acme: {
                server: "https://acme-staging-v02.api.letsencrypt.org/directory",
                email: "ops@example.org",
                privateKeySecretRef: { name: "letsencrypt-staging-account" },
                solvers: [{ http01: { ingress: { ingressClassName: "traefik" } } }],
            },
        });
    });

    it("production: the ACME production directory", () => {
        expect(clusterIssuerSpec("production", "uksrc-ops@example.ac.uk", "public")).to.deep.equal({
            acme: {
                server: "https://acme-v02.api.letsencrypt.org/directory",
                email: "uksrc-ops@example.ac.uk",
                privateKeySecretRef: { name: "letsencrypt-production-account" },
                solvers: [{ http01: { ingress: { ingressClassName: "public" } } }],
            },
        });
    });

    it("the site's derived ACME server is one the issuers cover", () => {
        expect(modelOf("dev").acme.server).to.equal("staging");
        expect(modelOf("uksrc").acme.server).to.equal("production");
        expect((clusterIssuerSpec(modelOf("uksrc").acme.server, "x@example.org", "traefik") as any).acme.server).to.equal(modelOf("uksrc").acme.directoryUrl);
    });

    // The feature gate was for ingress-nginx's path validation; Traefik serves pathType Exact.
    it("chart values: CRDs installed and kept, feature gates at their defaults", () => {
        expect(certManagerValues()).to.deep.equal({ crds: { enabled: true, keep: true } });
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
