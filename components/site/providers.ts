// Providers built from the site config. Default providers are disabled (Pulumi.yaml), so every
// resource names one of these; credentials come from clouds.yaml or the OS_* environment,
// except an application credential secret, which arrives as a stack secret.
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { SiteModel } from "../../config/derive";
import type { SiteSecrets } from "../../config/load";

export function createOpenStackProvider(
    model: SiteModel,
    secrets: Pick<SiteSecrets, "openstackApplicationCredentialSecret">,
    opts: pulumi.CustomResourceOptions,
): openstack.Provider {
    const os = model.config.openstack;
    return new openstack.Provider(
        `${model.name}-openstack`,
        {
            cloud: os.cloud,
            region: os.region,
            applicationCredentialId: os.applicationCredentialId,
            applicationCredentialSecret: secrets.openstackApplicationCredentialSecret,
            // A path or the certificates themselves (terraform-provider-openstack/utils auth/util.go:41).
            cacertFile: os.caCertificate,
        },
        opts,
    );
}
