// The Pulumi program as a function, so that tests and the synth can run it for many sites in
// one process; index.ts calls it once for the stack being deployed.
import type * as pulumi from "@pulumi/pulumi";
import { loadSite } from "../../config/load";
import { SrcSite } from "./index";

export function siteProgram(): Record<string, pulumi.Input<unknown>> {
    const { model, secrets } = loadSite();
    return new SrcSite(model.name, { model, secrets }).stackOutputs;
}
