import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { waiterProvider } from "../components/cluster/workload-kubeconfig";
import { iamClientProvider, type IamClientOutputs } from "../components/identity/iam-client";
import { FakeIam, adminClient } from "./iam/fake-iam";
import { repoRoot } from "./harness";

/**
 * `pulumi up` runs a dynamic resource's provider from its serialized code, in another process.
 * The recording engine skips that serialization; this checks the real one: each provider
 * serializes, loads as a module from the project (where its npm modules resolve), and works.
 */
async function loadSerialized(name: string, provider: object): Promise<Record<string, (...args: any[]) => Promise<any>>> {
    const serialized = await serializeFunction(() => provider, { allowSecrets: true });
    const dir = join(repoRoot, "bin", "serialized-providers");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.js`);
    writeFileSync(file, serialized.text);
    delete require.cache[file];
    return require(file)[serialized.exportName]();
}

describe("dynamic providers as pulumi up runs them: serialized and loaded on their own", function () {
    this.timeout(30000);

    it("the Cluster API kubeconfig waiter", async () => {
        const loaded = await loadSerialized("workload-kubeconfig", waiterProvider);
        expect(Object.keys(loaded).sort()).to.deep.equal(["create", "delete", "diff", "read", "update"]);
        const diff = await loaded.diff("ns/a", { namespace: "ns", clusterName: "a", managementKubeconfig: "k", timeoutMinutes: 60 }, { namespace: "ns", clusterName: "b", managementKubeconfig: "k", timeoutMinutes: 60 });
        expect(diff).to.deep.include({ changes: true, replaces: ["clusterName"] });
    });

    it("the IAM client, creating and deleting a client at a stand-in IAM", async () => {
        const loaded = await loadSerialized("iam-client", iamClientProvider);
        const iam = new FakeIam();
        await iam.start();
        try {
            const inputs = {
                issuer: iam.issuer,
                mode: "admin",
                clientId: "serialized-provider-client",
                clientSecret: "serialized-provider-secret",
                admin: adminClient,
                metadata: { client_name: "serialized", redirect_uris: [], grant_types: ["client_credentials"], scope: "openid fts", token_endpoint_auth_method: "client_secret_basic", response_types: [] },
                deadlineSeconds: 10,
                attemptTimeoutSeconds: 2,
            };
            const created = await loaded.create(inputs);
            expect(created.id).to.equal("serialized-provider-client");
            expect(iam.clientIds()).to.include("serialized-provider-client");
            await loaded.delete(created.id, created.outs as IamClientOutputs);
            expect(iam.clientIds()).not.to.include("serialized-provider-client");
        } finally {
            await iam.stop();
        }
    });
});
