// The recording engine answers the SDK in the process, without protobuf round trips: what a
// program reads back (a resource's state, an invoke's result, a resource looked up by its URN)
// must still be what the real conversion would give.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { recordProgram } from "../tools/engine/record";

/** A custom resource of a made-up package; CustomResource itself is abstract. */
class Thing extends pulumi.CustomResource {
    constructor(name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        super("test:index:Thing", name, props, opts);
    }
}

const nested = { list: [1, "two", true, null, { deep: ["x"] }], empty: {}, text: "a\nb" };

describe("recording engine: what the SDK reads back in the process", () => {
    it("records nested inputs as sent, and gives the program its state, invoke results and a resource looked up by URN", async () => {
        const recording = await recordProgram(
            async () => {
                const thing = new Thing("thing", { nested, count: 3 });
                const lookedUp = await pulumi.runtime.invoke("test:index:lookup", { query: nested });
                // A lookup by URN reads single fields of the answer (runtime/resource.js getResource).
                const again = new Thing("again", { nested: undefined, count: undefined }, { urn: "urn:pulumi:s::p::test:index:Thing::thing" });
                const read = (r: Thing, key: string) => (r as unknown as Record<string, pulumi.Output<unknown>>)[key];
                return { state: read(thing, "nested"), lookedUp, againNested: read(again, "nested"), againCount: read(again, "count"), againId: again.id };
            },
            { project: "p", stack: "s", config: {}, secretKeys: [], invokes: { "test:index:lookup": (inputs) => ({ echoed: inputs.query, n: 7 }) } },
        );
        expect(recording.error).to.equal(undefined);
        const thing = recording.resources.find((r) => r.name === "thing");
        expect(thing?.inputs).to.deep.equal({ nested, count: 3 });
        expect(recording.outputs).to.deep.equal({ state: nested, lookedUp: { echoed: nested, n: 7 }, againNested: nested, againCount: 3, againId: "thing-id" });
    });

    it("records keyed digests of the secret inputs only when asked, and which resources each input comes from", async () => {
        const record = (secret: string, secretDigestKey?: string) =>
            recordProgram(
                () => {
                    const thing = new Thing("thing", { token: pulumi.secret(secret), nested: { inner: pulumi.secret("fixed") }, plain: "p" });
                    new Thing("user", { ref: thing.id, plain: "q" });
                },
                { project: "p", stack: "s", config: {}, secretKeys: [], secretDigestKey },
            );
        const named = (r: Awaited<ReturnType<typeof record>>, name: string) => r.resources.find((x) => x.name === name)!;
        const one = await record("first-secret-value", "key one");
        expect(one.error).to.equal(undefined);
        expect(one.secretDigests).to.equal(true);
        const digests = named(one, "thing").secretDigests!;
        expect(Object.keys(digests)).to.deep.equal(["nested.inner", "token"]);
        expect(Object.values(digests).every((d) => /^[0-9a-f]{64}$/.test(d))).to.equal(true);
        expect(named(one, "thing").inputs).to.deep.equal({ token: "[secret]", nested: { inner: "[secret]" }, plain: "p" });
        expect(JSON.stringify(one.resources)).not.to.include("first-secret-value");
        expect(named(one, "user").secretDigests).to.equal(undefined);
        expect(named(one, "user").inputDependencies).to.deep.equal({ ref: [named(one, "thing").urn] });
        // The same value under the same key gives the same digest; another value or another key another.
        const again = named(await record("first-secret-value", "key one"), "thing").secretDigests!;
        expect(again).to.deep.equal(digests);
        const rotated = named(await record("second-secret-value", "key one"), "thing").secretDigests!;
        expect(rotated["nested.inner"]).to.equal(digests["nested.inner"]);
        expect(rotated.token).not.to.equal(digests.token);
        expect(named(await record("first-secret-value", "key two"), "thing").secretDigests!.token).not.to.equal(digests.token);
        const without = await record("first-secret-value");
        expect(without.secretDigests).to.equal(undefined);
        expect(without.resources.some((r) => r.secretDigests !== undefined)).to.equal(false);
    });

    it("leaves the SDK's protobuf Struct and closure serializer as they were once the recording is over", async () => {
        const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require.resolve("@pulumi/pulumi")] }));
        const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure");
        const before = { fromJavaScript: Struct.fromJavaScript, toJavaScript: Struct.prototype.toJavaScript, getFieldsMap: Struct.prototype.getFieldsMap, serializeFunction: closure.serializeFunction };
        await recordProgram(() => undefined, { project: "p", stack: "s", config: {}, secretKeys: [] });
        expect({ fromJavaScript: Struct.fromJavaScript, toJavaScript: Struct.prototype.toJavaScript, getFieldsMap: Struct.prototype.getFieldsMap, serializeFunction: closure.serializeFunction }).to.deep.equal(before);
        const struct = Struct.fromJavaScript({ a: [1, { b: "c" }] });
        // A real message, not one that stands for its source: it serializes to bytes.
        expect(struct.serializeBinary().length).to.be.greaterThan(0);
        expect(struct.getFieldsMap().get("a").getListValue().getValuesList()).to.have.length(2);
        expect(struct.toJavaScript()).to.deep.equal({ a: [1, { b: "c" }] });
    });
});
