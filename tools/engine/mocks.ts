// What the recording engine answers in place of the cloud: deterministic IDs, inputs echoed as
// state, the outputs the cloud would compute (addresses) made up deterministically, and invoke
// results shaped like the real ones. Nothing leaves the process.
import { createHash } from "node:crypto";
import type { runtime } from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import { cidr, hostAddress } from "../../config/net";
import type { CloudHttp, CloudHttpOverride } from "../../components/site/cloud-http";

/** A readable, deterministic ID: the resource's logical name. */
export const mockId = (name: string) => `${name}-id`;

/** A number in [lo, hi] fixed by a name, so that made-up addresses do not depend on registration order. */
function slot(name: string, lo: number, hi: number): number {
    return lo + (createHash("sha256").update(name).digest().readUInt32BE(0) % (hi - lo + 1));
}

type State = Record<string, unknown>;

/** A kubeconfig in the shape clusters hand out, naming the cluster it stands for. */
function mockKubeconfig(cluster: string): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        `clusters: [{name: ${cluster}, cluster: {server: "https://${cluster}.k8s.invalid:6443"}}]`,
        `users: [{name: admin, user: {token: "recording-engine-token"}}]`,
        `contexts: [{name: ${cluster}, context: {cluster: ${cluster}, user: admin}}]`,
        `current-context: ${cluster}`,
        "",
    ].join("\n");
}

export type InvokeResult = (inputs: Record<string, unknown>) => Record<string, unknown>;

/** Keystone's answer to validating a password login's token (GET /v3/auth/tokens). */
export const passwordLoginToken = { token: { methods: ["password"], expires_at: "2099-01-01T00:00:00Z" } };

/**
 * Answers to the HTTPS requests the program itself makes (components/site/cloud-http.ts): Keystone
 * validating the site's token, as for a password login. Anything else is refused: a recording
 * never reaches the network.
 */
export function recordingHttp(overrides?: CloudHttpOverride): CloudHttp {
    return async (request) => {
        const answer = overrides ? await overrides(request) : undefined;
        if (answer) return answer;
        if (/\/v3\/auth\/tokens$/.test(request.url)) return { status: 200, body: passwordLoginToken };
        throw new Error(`the recording engine has no answer for GET ${request.url}; add one in tools/engine/mocks.ts`);
    };
}

/** A value as the program sent it, without the secret wrapper an input carries on the wire. */
function unwrapSecret(value: unknown): unknown {
    return value !== null && typeof value === "object" && specialSigKey in value ? (value as { value?: unknown }).value : value;
}

/**
 * Mocks for one recording: they remember what was created, so a port can take its subnet's range.
 * `invokes` replaces invoke results (a test makes a lookup fail by throwing).
 */
export function recordingMocks(
    invokes: Readonly<Record<string, InvokeResult>> = {},
    secretOutputs: (type: string, name: string) => readonly string[] = () => [],
): runtime.Mocks {
    const created = new Map<string, State>();
    const computed: Record<string, (name: string, inputs: State) => State> = {
        // Documentation range (TEST-NET-3): clearly not a real address.
        "openstack:networking/floatingIp:FloatingIp": (name) => ({ address: `203.0.113.${slot(name, 10, 250)}` }),
        // Neutron gives a router's gateway port an address on the external network.
        "openstack:networking/router:Router": (name) => ({ externalFixedIps: [{ ipAddress: `198.51.100.${slot(name, 10, 250)}`, subnetId: "external-subnet-id" }] }),
        "openstack:containerinfra/cluster:Cluster": (name) => ({ kubeconfig: { raw_config: mockKubeconfig(name), host: `https://${name}.k8s.invalid:6443` } }),
        "openstack:identity/applicationCredential:ApplicationCredential": () => ({ secret: "recording-engine-application-credential-secret" }),
        "pulumi-nodejs:dynamic/srcnet:WorkloadKubeconfig": (_name, inputs) => ({ kubeconfig: mockKubeconfig(String(inputs.clusterName)) }),
        // IAM gives an anonymously registered client its ID; an admin-made one keeps the chosen ID.
        "pulumi-nodejs:dynamic/srcnet:IamClient": (name, inputs) => ({
            clientId: inputs.clientId ?? `${name}-client-id`,
            // A secret input arrives in its wire form; the output is made secret again below.
            clientSecret: unwrapSecret(inputs.clientSecret) ?? "recording-engine-client-secret",
            ...(inputs.mode === "registration" ? { registrationAccessToken: "recording-engine-registration-token" } : {}),
        }),
        "random:index/randomPassword:RandomPassword": () => ({ result: "recording-engine-random-password" }),
        "random:index/randomBytes:RandomBytes": (name, inputs) => {
            const bytes = Buffer.alloc(Number(inputs.length ?? 32), createHash("sha256").update(`recording-engine-bytes:${name}`).digest());
            return { hex: bytes.toString("hex"), base64: bytes.toString("base64") };
        },
        // As asked: upper-case letters and digits, of the asked length.
        "random:index/randomString:RandomString": (name, inputs) => ({ result: mockId(name).replace(/[^a-z0-9]/gi, "").toUpperCase().padEnd(Number(inputs.length ?? 6), "X").slice(0, Number(inputs.length ?? 6)) }),
        "openstack:networking/port:Port": (name, inputs) => {
            const subnetId = (inputs.fixedIps as { subnetId?: string }[] | undefined)?.[0]?.subnetId;
            const subnetCidr = subnetId ? (created.get(subnetId)?.cidr as string | undefined) : undefined;
            return { allFixedIps: subnetCidr ? [hostAddress(cidr(subnetCidr), slot(name, 10, 250))] : [] };
        },
    };
    const invokeResults: Record<string, InvokeResult> = {
        "openstack:networking/getNetwork:getNetwork": (inputs) => ({ ...inputs, id: mockId(`network-${String(inputs.name)}`) }),
        // Node images as the Cluster API image builder names and tags them (ubuntu-noble-kube-v1.36.3).
        "openstack:images/getImage:getImage": (inputs) => {
            const kube = /kube-(v?\d+\.\d+\.\d+)/.exec(String(inputs.name))?.[1];
            return { ...inputs, id: mockId(`image-${String(inputs.name)}`), properties: kube ? { os_distro: "ubuntu", kube_version: kube } : { os_distro: "rocky" } };
        },
        "openstack:compute/getAvailabilityZones:getAvailabilityZones": (inputs) => ({ ...inputs, id: "compute-zones", names: ["nova"] }),
        "openstack:blockstorage/getAvailabilityZonesV3:getAvailabilityZonesV3": (inputs) => ({ ...inputs, id: "volume-zones", names: ["nova"] }),
        // A typical 4-core, 8 GB flavor.
        "openstack:compute/getFlavor:getFlavor": (inputs) => ({ ...inputs, id: mockId(`flavor-${String(inputs.name)}`), ram: 8192, vcpus: 4, disk: 40 }),
        "openstack:compute/getKeypair:getKeypair": (inputs) => ({ ...inputs, id: String(inputs.name) }),
        "openstack:containerinfra/getClusterTemplate:getClusterTemplate": (inputs) => ({ ...inputs, id: mockId(`template-${String(inputs.name)}`) }),
        "openstack:dns/getDnsZone:getDnsZone": (inputs) => ({ ...inputs, id: mockId(`zone-${String(inputs.name)}`) }),
        "openstack:identity/getAuthScope:getAuthScope": (inputs) => ({
            ...inputs,
            id: "scope",
            region: "RegionOne",
            tokenId: inputs.setTokenId ? "recording-engine-keystone-token" : "",
            serviceCatalogs: [{ id: "keystone", name: "keystone", type: "identity", endpoints: [{ id: "public", interface: "public", region: "RegionOne", regionId: "RegionOne", url: "https://keystone.cloud.invalid:5000/v3" }] }],
        }),
        ...invokes,
    };
    return {
        newResource(args) {
            const id = args.id || mockId(args.name);
            const state: State = { ...args.inputs, ...(computed[args.type]?.(args.name, args.inputs) ?? {}) };
            created.set(id, { ...state });
            // As the engine does: outputs a resource declares secret come back as secrets.
            for (const key of secretOutputs(args.type, args.name)) {
                if (key in state) state[key] = { [specialSigKey]: specialSecretSig, value: unwrapSecret(state[key]) };
            }
            return { id, state };
        },
        call(args) {
            const result = invokeResults[args.token];
            if (!result) {
                throw new Error(`the recording engine has no result for invoke ${args.token}; add one in tools/engine/mocks.ts`);
            }
            return result(args.inputs);
        },
    };
}
