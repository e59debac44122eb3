// Validation of the Rucio settings: each problem named by its config path, all at once.
import { expect } from "chai";
import { keysWith, problemsOf, secretsOf, siteOf } from "./harness";

type Change = (site: any) => void;

function problems(stack: "dev" | "uksrc", change: Change, extraSecrets: readonly string[] = []): string[] {
    const site = siteOf(stack);
    change(site);
    return problemsOf(site, keysWith([...Object.keys(secretsOf(stack)), ...extraSecrets]));
}

describe("config validation: Rucio", () => {
    it("takes the committed stacks as they are", () => {
        expect(problems("dev", () => undefined)).to.deep.equal([]);
        expect(problems("uksrc", () => undefined)).to.deep.equal([]);
    });

    it("refuses attributes the program derives, naming each", () => {
        expect(problems("uksrc", (s) => (s.rucio.rseAttributes = { country: "UK", lfn2pfn_algorithm: "identity", oidc_support: false }))).to.deep.equal([
            "site.rucio.rseAttributes.lfn2pfn_algorithm: is derived from the site config (fts, oidc_support, oidc_base_path, verify_checksum, lfn2pfn_algorithm, site are); remove it here",
            "site.rucio.rseAttributes.oidc_support: is derived from the site config (fts, oidc_support, oidc_base_path, verify_checksum, lfn2pfn_algorithm, site are); remove it here",
        ]);
        expect(problems("uksrc", (s) => (s.rucio.rseAttributes = { "bad key": "x" }))).to.have.length(1);
    });

    it("refuses account and scope names Rucio would refuse, and an account listed twice", () => {
        expect(
            problems("uksrc", (s) => (s.rucio.accounts = [{ account: "Ops" }, { account: "a-very-long-account-name-over-25" }, { account: "ops", scopes: ["bad scope"] }, { account: "ops" }])),
        ).to.deep.equal([
            "site.rucio.accounts[0].account: is not a Rucio account name: 1 to 25 of a-z, 0-9, '-' and '_'",
            "site.rucio.accounts[1].account: is not a Rucio account name: 1 to 25 of a-z, 0-9, '-' and '_'",
            "site.rucio.accounts[2].scopes[0]: is not a Rucio scope name: 1 to 25 of letters, digits, '_', '-' and '.'",
        ]);
        expect(problems("uksrc", (s) => (s.rucio.accounts = [{ account: "ops" }, { account: "ops" }]))).to.deep.equal(['site.rucio.accounts[1].account: "ops" is listed twice; give each account once']);
    });

    it("refuses settings of a deployed database for an external one", () => {
        expect(
            problems("dev", (s) => (s.rucio.database = { external: true, instances: 3, backup: { endpoint: "https://s3.example.org", bucket: "dev-rucio" } }), ["rucioDatabaseUrl", "rucioBackupCredentials"]),
        ).to.deep.equal([
            "site.rucio.database.instances: applies only to the database the site deploys; an external database (rucio.database.external) is run and backed up by its owners",
            "site.rucio.database.backup: applies only to the database the site deploys; an external database (rucio.database.external) is run and backed up by its owners",
        ]);
    });

    it("restores only from another cluster's backups, in the named object store", () => {
        expect(problems("dev", (s) => (s.rucio.database = { restore: { fromCluster: "rucio-db" } }))).to.deep.equal([
            "site.rucio.database.restore: needs rucio.database.backup: the backups are read from that object store",
            'site.rucio.database.restore.fromCluster: is the database\'s own name "rucio-db"; give rucio.database.name a new name for the restored cluster',
        ]);
        const backup = { endpoint: "https://s3.example.org", bucket: "dev-rucio" };
        expect(problems("dev", (s) => (s.rucio.database = { name: "rucio-db-2", backup, restore: { fromCluster: "rucio-db", targetTime: "2026-11-30T12:00:00Z" } }), ["rucioBackupCredentials"])).to.deep.equal([]);
        expect(problems("dev", (s) => (s.rucio.database = { name: "rucio-db-2", backup, restore: { fromCluster: "rucio-db", targetTime: "yesterday" } }), ["rucioBackupCredentials"])).to.deep.equal([
            "site.rucio.database.restore.targetTime: must be an RFC 3339 time such as 2026-01-02T03:04:05Z",
        ]);
    });

    it("checks the schedules' shapes: five cron fields for the sync, six for backups", () => {
        expect(problems("dev", (s) => (s.rucio.syncSchedule = "hourly"))).to.deep.equal(['site.rucio.syncSchedule: must be a five-field cron expression, such as "*/15 * * * *"']);
        expect(problems("dev", (s) => (s.rucio.database = { backup: { endpoint: "https://s3.example.org", bucket: "dev-rucio", schedule: "0 2 * * *" } }), ["rucioBackupCredentials"])).to.deep.equal([
            'site.rucio.database.backup.schedule: must be a six-field cron expression (seconds first), such as "0 0 2 * * *"',
        ]);
    });

    it("needs the web UI and sync clients among static clients when Rucio runs here", () => {
        const iam = { registration: "static", issuer: "https://iam.dev.srcnet.example.org/", clients: { jupyterhub: { clientId: "a" }, tokenExchange: { clientId: "b" }, rucio: { clientId: "c" } } };
        expect(problems("dev", (s) => (s.iam = iam), ["iamClientSecrets"])).to.deep.equal([
            'site.iam.clients.rucioWebui: is required when rucio.mode is "deploy"',
            'site.iam.clients.rucioSync: is required when rucio.mode is "deploy"',
        ]);
    });

    it("needs the external login's method and its secret", () => {
        expect(problems("uksrc", (s) => delete s.rucio.auth)).to.deep.equal(["site.rucio.auth: is required (an object)"]);
        expect(problems("uksrc", (s) => (s.rucio.auth = { method: "x509" }))).to.have.length(1);
    });
});
