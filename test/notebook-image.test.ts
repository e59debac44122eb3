// The default notebook image is what images/notebook/Dockerfile builds: its tag names the
// Dockerfile's pins, so that a change of a pin is a new tag (the image workflow never rebuilds a
// tag that exists), and its Rucio clients are the release of the site's Rucio.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { versions } from "../config/versions";
import { repoRoot } from "./harness";

const dockerfile = readFileSync(join(repoRoot, "images", "notebook", "Dockerfile"), "utf8");
const arg = (name: string): string => {
    const found = new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile);
    if (!found) throw new Error(`the Dockerfile has no ARG ${name}`);
    return found[1];
};

describe("the notebook image", () => {
    const tag = versions.notebookImage.slice(versions.notebookImage.lastIndexOf(":") + 1);

    it("is tagged with the Dockerfile's base image date, Rucio clients and rucio-jupyterlab", () => {
        const baseTag = arg("BASE_IMAGE").split(":").pop()!;
        expect(tag).to.equal(`${baseTag}-rucio-${arg("RUCIO_CLIENTS_VERSION")}-rjl-${arg("RUCIO_JUPYTERLAB_VERSION")}`);
    });

    it("carries the Rucio clients of the site's Rucio", () => {
        expect(arg("RUCIO_CLIENTS_VERSION")).to.equal(versions.rucio);
    });

    it("is built as images/notebook/README.md says, under a tag of the same form", () => {
        const readme = readFileSync(join(repoRoot, "images", "notebook", "README.md"), "utf8");
        for (const line of readme.split("\n").filter((l) => /^docker (build|push) /.test(l))) expect(line).to.include(`:${tag}`);
    });
});
