// The dev site's planned clients, registered by the IamClient provider at a stand-in IAM that
// applies IAM's rules, then used as JupyterHub, notebooks and Rucio will use them.
import { expect } from "chai";
import { iamClientProvider } from "../components/identity/iam-client";
import { clientMetadata, grants, notebookExchangeScopes, planClients, type ClientSpec } from "../components/identity/plan";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { keysWith, secretsOf, siteOf } from "./harness";
import { FakeIam, adminClient } from "./iam/fake-iam";
import type { IamUser } from "./iam/jwt-profiles";
import { tokenRequest, tokenTypes, verifiedClaims } from "./iam/token-client";

const provider = iamClientProvider as Required<typeof iamClientProvider>;
const dora: IamUser = { sub: "2d4f6a8c-1b3e-4f5a-8c7d-9e0f1a2b3c4d", username: "dora", groups: ["ska", "ska/dev"] };

function devClients(): ClientSpec[] {
    const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(Object.keys(secretsOf("dev"))) });
    if (!result.ok) throw new Error("dev is valid");
    return planClients(deriveSite(result.site));
}

describe("the dev site's IAM clients at a stand-in IAM", function () {
    this.timeout(30000);
    const iam = new FakeIam();
    const specs = devClients();
    const secretOf = (name: string) => `${name}-secret-value`;
    const byRole = (role: ClientSpec["role"]) => specs.find((s) => s.role === role)!.name;

    before(async () => {
        await iam.start();
        for (const spec of specs) {
            await provider.create({ issuer: iam.issuer, mode: "admin", metadata: clientMetadata(spec), clientId: spec.name, clientSecret: secretOf(spec.name), admin: adminClient, deadlineSeconds: 8, attemptTimeoutSeconds: 2 });
        }
    });
    after(() => iam.stop());

    /** A user's JupyterHub login, then the notebook's exchange of its token. */
    async function notebookToken() {
        const login = iam.userToken({ clientId: byRole("jupyterhub"), user: dora, scope: "openid profile email offline_access wlcg.groups" });
        const exchanger = byRole("tokenExchange");
        return tokenRequest(iam.issuer, exchanger, secretOf(exchanger), {
            grant_type: grants.tokenExchange,
            subject_token: login.access_token,
            subject_token_type: tokenTypes.accessToken,
            scope: notebookExchangeScopes.join(" "),
        });
    }

    it("exchanges a user's JupyterHub token for a notebook token with every scope a notebook asks for", async () => {
        const res = await notebookToken();
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.scope.split(" ")).to.have.members([...notebookExchangeScopes]);
        expect(res.body.refresh_token, "offline_access gives the notebook a refresh token").to.be.a("string");
    });

    it("makes notebook tokens WLCG-profile tokens, with the scope claim StoRM authorizes by", async () => {
        const res = await notebookToken();
        const claims = await verifiedClaims(iam.issuer, res.body.access_token);
        expect(claims).to.deep.include({ sub: dora.sub, "wlcg.ver": "1.0", "wlcg.groups": ["/ska", "/ska/dev"], act: { sub: byRole("tokenExchange") } });
        expect(claims.scope.split(" ")).to.include.members(["storage.read:/", "storage.create:/", "storage.modify:/"]);
    });

    it("makes Rucio's own tokens WLCG-profile tokens, with the scope claim", async () => {
        const rucio = byRole("rucio");
        const res = await tokenRequest(iam.issuer, rucio, secretOf(rucio), { grant_type: "client_credentials", scope: "fts storage.read:/ storage.modify:/" });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const claims = await verifiedClaims(iam.issuer, res.body.access_token);
        expect(claims).to.include({ sub: rucio, "wlcg.ver": "1.0", scope: "fts storage.modify:/ storage.read:/" });
    });
});
