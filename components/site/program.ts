// The Pulumi program as a function, so that tests and the synth can run it for many sites in
// one process; index.ts calls it once for the stack being deployed.
import type * as pulumi from "@pulumi/pulumi";
import { loadSite } from "../../config/load";
import { SrcSite } from "./index";
import { preflight } from "./preflight";
import { createOpenStackProvider } from "./providers";

export async function siteProgram(): Promise<Record<string, pulumi.Input<unknown>>> {
    // Config first: a site that is not valid registers nothing.
    const { model, secrets } = loadSite();
    // Then the cloud: a name the cloud does not know is reported the same way, before any resource.
    const openstack = createOpenStackProvider(model, secrets, {});
    const cloud = await preflight(model, openstack);
    return new SrcSite(model.name, { model, secrets, openstack, cloud }).stackOutputs;
}
