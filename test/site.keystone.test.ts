// What the preflight reads of Keystone's answer about the site's own token, and where it asks.
import { expect } from "chai";
import { loginKindOf, tokensUrl } from "../components/site/keystone";
import { loginProblem, nodeImageProblems } from "../components/site/cluster-checks";

describe("site: Keystone's view of the login", () => {
    it("asks the tokens endpoint under the catalog's v3 endpoint, whether or not it names v3", () => {
        expect(tokensUrl("https://keystone.example.ac.uk:5000/v3")).to.equal("https://keystone.example.ac.uk:5000/v3/auth/tokens");
        expect(tokensUrl("https://keystone.example.ac.uk:5000/v3/")).to.equal("https://keystone.example.ac.uk:5000/v3/auth/tokens");
        expect(tokensUrl("https://keystone.example.ac.uk/identity")).to.equal("https://keystone.example.ac.uk/identity/v3/auth/tokens");
    });

    // keystone/common/render_token.py writes methods and application_credential.restricted.
    it("reads an application credential's restriction from the token, a missing flag as restricted", () => {
        const token = (methods: string[], restricted?: boolean) => ({ token: { methods, ...(methods.includes("application_credential") ? { application_credential: { id: "a", restricted } } : {}) } });
        expect(loginKindOf(token(["application_credential"], false))).to.deep.equal({ kind: "application-credential", restricted: false });
        expect(loginKindOf(token(["application_credential"], true))).to.deep.equal({ kind: "application-credential", restricted: true });
        expect(loginKindOf(token(["application_credential"]))).to.deep.equal({ kind: "application-credential", restricted: true });
        expect(loginKindOf(token(["password"]))).to.deep.equal({ kind: "other", methods: ["password"] });
        expect(loginProblem("capi", loginKindOf(token(["password"])))).to.equal(undefined);
        expect(loginProblem("capi", loginKindOf(token(["application_credential"], false)))).to.equal(undefined);
        expect(loginProblem("capi", loginKindOf(token(["application_credential"], true)))).to.match(/^the site logs in with a restricted application credential/);
    });
});

describe("site: node image checks", () => {
    it("holds a Cluster API image to the release its kube_version names, and lets one without it pass", () => {
        expect(nodeImageProblems("capi", { properties: { kube_version: "v1.36.3" } }, "1.36.3", "img")).to.deep.equal([]);
        expect(nodeImageProblems("capi", { properties: {} }, "v1.36.3", "img")).to.deep.equal([]);
        expect(nodeImageProblems("capi", { properties: { kube_version: "1.35.7" } }, "v1.36.3", "img")).to.deep.equal([
            'image "img" is built for Kubernetes 1.35.7 (its kube_version property), not v1.36.3; use an image built for v1.36.3, or set kubernetesVersion to 1.35.7',
        ]);
    });

    it("requires of a Magnum image both properties the driver reads", () => {
        expect(nodeImageProblems("magnum", { properties: { os_distro: "flatcar", kube_version: "v1.36.3" } }, "v1.36.3", "img")).to.deep.equal([]);
        expect(nodeImageProblems("magnum", { properties: { os_distro: "rocky" } }, "v1.36.3", "img")).to.have.length(2);
    });
});
