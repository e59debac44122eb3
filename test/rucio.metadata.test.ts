// Query by metadata works with the [metadata] section the program renders for its Rucio server:
// a real Rucio server on PostgreSQL, its rucio.cfg given that section, stores JSON metadata on a
// DID and finds the DID by it through GET /dids/{scope}/dids/search.
//
// The REST forms, the same in rucio 1.31.7 and 40.4.1: POST /dids/{scope}/{name}/meta takes
// {"meta": {key: value, ...}} (1.31.7 lib/rucio/web/rest/flaskapi/v1/dids.py:1264-1265, 40.4.1 :1532);
// the search takes `filters`, a Python literal of a list of AND-groups that are OR-ed, or else every
// query argument but type/limit/long/recursive as one AND-group (1.31.7 dids.py:220-229, 40.4.1 :264-273).
// Every key of a search must belong to one plugin (1.31.7 lib/rucio/core/did_meta_plugins/__init__.py list_dids).
import { expect } from "chai";
import { readFileSync, writeFileSync } from "node:fs";
import { siteIssuerName } from "../config/derive";
import { rucioCfgText, rucioServerConfig, type RucioCfg } from "../components/rucio/render/server-config";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";

/** rucio.cfg text with `section` replaced by `options`, or removed when there are none. */
function withSection(cfgText: string, section: string, options?: Readonly<Record<string, string>>): string {
    const kept: string[] = [];
    let inSection = false;
    for (const line of cfgText.split("\n")) {
        const header = /^\s*\[([^\]]+)\]\s*$/.exec(line);
        if (header) inSection = header[1].trim() === section;
        if (!inSection) kept.push(line);
    }
    const rest = kept.join("\n").replace(/\n*$/, "\n");
    return options ? `${rest}\n${rucioCfgText({ [section]: options })}` : rest;
}

/** The DID metadata plugin Rucio always loads first: the DID table's own columns, no free keys. */
const columnsOnlyPlugin = "rucio.core.did_meta_plugins.did_column_meta.DidColumnMeta";

describe("query by metadata with the program's [metadata] section, on a real Rucio server with PostgreSQL", function () {
    this.timeout(120_000);
    let rucio: RucioServer;
    let token: string;
    let originalCfg: string;
    const rendered: RucioCfg = rucioServerConfig({ issuerName: siteIssuerName });
    const scope = "user.root";

    const call = async (method: string, path: string, body?: unknown) => {
        const answer = await fetch(`${rucio.url}${path}`, {
            method,
            headers: { "X-Rucio-Auth-Token": token, Accept: method === "GET" && path.includes("/dids/search") ? "application/x-json-stream" : "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: answer.status, text: await answer.text() };
    };

    /** Names a search finds: one JSON value a line. */
    const search = async (query: Record<string, string>) => {
        const answer = await call("GET", `/dids/${scope}/dids/search?${new URLSearchParams(query)}`);
        expect(answer.status, answer.text).to.equal(200);
        return answer.text.split("\n").filter(Boolean).map((l) => JSON.parse(l)).sort();
    };

    /** The server restarted on rucio.cfg with this [metadata] section (Rucio reads it once, at import). */
    const configure = async (options?: Readonly<Record<string, string>>) => {
        writeFileSync(rucio.env.RUCIO_CONFIG, withSection(originalCfg, "metadata", options));
        await rucio.restart();
    };

    const created = async (method: string, path: string, body?: unknown) => {
        const answer = await call(method, path, body);
        expect(answer.status, `${method} ${path}: ${answer.text}`).to.equal(201);
    };

    before(async () => {
        rucio = await startRucio({ db: "postgres" });
        originalCfg = readFileSync(rucio.env.RUCIO_CONFIG, "utf8");
        token = await rucioToken(rucio);
        await created("POST", `/accounts/${rucio.account}/scopes/${scope}`);
        for (const name of ["obs-low", "obs-mid", "obs-control"]) await created("POST", `/dids/${scope}/${name}`, { type: "DATASET" });
    });

    after(async () => {
        await rucio?.stop();
    });

    it("withSection replaces one section and keeps the others", () => {
        const text = "[common]\nloglevel = INFO\n[metadata]\nplugins = a.B\n[policy]\nschema = generic\n";
        expect(withSection(text, "metadata", { plugins: "c.D" })).to.equal("[common]\nloglevel = INFO\n[policy]\nschema = generic\n\n[metadata]\nplugins = c.D\n");
        expect(withSection(text, "metadata")).to.equal("[common]\nloglevel = INFO\n[policy]\nschema = generic\n");
    });

    // Without a section Rucio would load the JSON plugin anyway (the last case): this is what fails
    // when the program stops rendering one.
    it("the program names a metadata plugin", () => {
        expect(rendered.metadata?.plugins, "the program renders no [metadata] plugins").to.be.a("string").and.not.equal("");
    });

    it("sets JSON metadata on a DID and finds the DID by it, in both query forms", async () => {
        await configure(rendered.metadata);
        expect(readFileSync(rucio.env.RUCIO_CONFIG, "utf8")).to.include(`[metadata]\nplugins = ${rendered.metadata.plugins}\n`);

        await created("POST", `/dids/${scope}/obs-low/meta`, { meta: { telescope: "SKA-Low", frequency_mhz: 150, calibrated: true } });
        await created("POST", `/dids/${scope}/obs-mid/meta`, { meta: { telescope: "SKA-Mid", frequency_mhz: 1400 } });
        const stored = await call("GET", `/dids/${scope}/obs-low/meta?plugin=JSON`);
        expect(JSON.parse(stored.text)).to.deep.equal({ telescope: "SKA-Low", frequency_mhz: 150, calibrated: true });

        // <key>=<value>, one AND-group.
        expect(await search({ telescope: "SKA-Low", type: "dataset" })).to.deep.equal(["obs-low"]);
        expect(await search({ telescope: "SKA-Mid" })).to.deep.equal(["obs-mid"]);
        expect(await search({ telescope: "SKA-Survey", type: "dataset" })).to.deep.equal([]);
        // filters=<list of AND-groups>, with an operator after the key.
        expect(await search({ filters: "[{'frequency_mhz.gt': 1000}]", type: "dataset" })).to.deep.equal(["obs-mid"]);
        expect(await search({ filters: "[{'telescope': 'SKA-Low'}, {'telescope': 'SKA-Mid'}]", type: "dataset" })).to.deep.equal(["obs-low", "obs-mid"]);
    });

    it("negative control: with a [metadata] section that names no JSON plugin, the same key can be neither set nor found", async () => {
        await configure({ plugins: columnsOnlyPlugin });
        const set = await call("POST", `/dids/${scope}/obs-control/meta`, { meta: { telescope: "SKA-Low" } });
        expect(set.status).to.equal(400);
        expect(JSON.parse(set.text).ExceptionClass).to.equal("InvalidMetadata");
        const found = await call("GET", `/dids/${scope}/dids/search?${new URLSearchParams({ telescope: "SKA-Low", type: "dataset" })}`);
        expect(found.status).to.not.equal(200);
        expect(found.text).to.include("InvalidMetadata");
    });

    it("without a [metadata] section Rucio falls back to the same JSON plugin (so the section states the default)", async () => {
        // rucio@1.31.7:lib/rucio/core/did_meta_plugins/__init__.py:37,41-47 and rucio@40.4.1:…/__init__.py:35,39-45:
        // with no [metadata] section (or no plugins in it) the custom plugin is json_meta.JSONDidMeta.
        await configure(undefined);
        expect(readFileSync(rucio.env.RUCIO_CONFIG, "utf8")).to.not.include("[metadata]");
        await created("POST", `/dids/${scope}/obs-control/meta`, { meta: { telescope: "SKA-Survey" } });
        expect(await search({ telescope: "SKA-Survey", type: "dataset" })).to.deep.equal(["obs-control"]);
    });
});
