// Kubernetes releases against Helm's kubeVersion constraints, as the pinned charts write them.
import { expect } from "chai";
import { formatRelease, parseRelease, releaseNumber, releaseTag, satisfies } from "../config/kube-version";

const r = (text: string) => parseRelease(text)!;

describe("config: Kubernetes releases and chart constraints", () => {
    it("reads releases with or without their v, a patch or a pre-release", () => {
        expect(parseRelease("v1.36.3")).to.deep.equal([1, 36, 3]);
        expect(parseRelease("1.35")).to.deep.equal([1, 35, 0]);
        expect(parseRelease("1.22.0-0")).to.deep.equal([1, 22, 0]);
        expect(parseRelease("latest")).to.equal(undefined);
        expect(formatRelease([1, 36, 3])).to.equal("v1.36.3");
        expect([releaseNumber("v1.36.3"), releaseNumber("1.36.3"), releaseTag("1.36.3"), releaseTag("v1.36.3")]).to.deep.equal(["1.36.3", "1.36.3", "v1.36.3", "v1.36.3"]);
    });

    it("takes comparisons with or without a space, joined by spaces or commas, and alternatives by ||", () => {
        expect(satisfies(r("v1.22.0"), ">= 1.22.0-0")).to.equal(true);
        expect(satisfies(r("v1.21.14"), ">= 1.22.0-0")).to.equal(false);
        expect(satisfies(r("v1.36.3"), ">=1.33.0-0 <1.37.0-0")).to.equal(true);
        expect(satisfies(r("v1.37.0"), ">=1.33.0-0 <1.37.0-0")).to.equal(false);
        expect(satisfies(r("v1.30.1"), ">=1.2, <=1.30.1")).to.equal(true);
        expect(satisfies(r("v1.36.0"), "<1.30 || >=1.36")).to.equal(true);
        expect(satisfies(r("v1.33.0"), "<1.30 || >=1.36")).to.equal(false);
        expect(satisfies(r("v1.33.0"), "!=1.33.0")).to.equal(false);
        expect(satisfies(r("v1.33.0"), "1.33.0")).to.equal(true);
    });

    it("refuses constraint forms it does not read rather than guessing", () => {
        for (const constraint of ["~1.30", "^1.30", "1.30.x", ""]) expect(() => satisfies(r("v1.30.0"), constraint), constraint).to.throw(/kubeVersion constraint/);
    });
});
