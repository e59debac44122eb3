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
