// What the recording engine answers in place of the cloud: deterministic IDs, inputs echoed as
// state, and invoke results shaped like the real ones. Nothing leaves the process.
import type * as pulumi from "@pulumi/pulumi";

/** A readable, deterministic ID: the resource's logical name. */
export const mockId = (name: string) => `${name}-id`;

/** Results of the invokes the program uses (data sources), keyed by token. */
const invokeResults: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "openstack:networking/getNetwork:getNetwork": (inputs) => ({ ...inputs, id: mockId(`network-${String(inputs.name)}`) }),
};

export const recordingMocks: pulumi.runtime.Mocks = {
    newResource(args) {
        return { id: args.id || mockId(args.name), state: { ...args.inputs } };
    },
    call(args) {
        const result = invokeResults[args.token];
        if (!result) {
            throw new Error(`the recording engine has no result for invoke ${args.token}; add one in tools/engine/mocks.ts`);
        }
        return result(args.inputs);
    },
};
