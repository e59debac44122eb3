// What the preflight checks of a cluster the site builds, as pure functions of what the cloud
// answered: the node image's properties, and whether the site's login may create the cluster's
// credentials.
import { releaseNumber, releaseTag } from "../../config/kube-version";
import type { LoginKind } from "./keystone";

/** The distributions Magnum's Cluster API driver takes images of (magnum_capi_helm/driver.py `provides`). */
const magnumImageDistros = ["ubuntu", "flatcar"];

/**
 * Problems of a node image. Magnum's Cluster API driver takes the Kubernetes release and the OS
 * from the image's kube_version and os_distro properties (driver.py _get_kube_version,
 * _get_os_distro) and needs both; a Cluster API image says its release in kube_version when the
 * image builder set it.
 */
export function nodeImageProblems(backend: "magnum" | "capi", image: { properties?: Record<string, string> }, kubernetesVersion: string, name: string): string[] {
    const props = image.properties ?? {};
    const problems: string[] = [];
    if (backend === "magnum") {
        const distro = props.os_distro;
        if (!distro || !magnumImageDistros.includes(distro)) {
            problems.push(`image "${name}" has os_distro ${distro ? `"${distro}"` : "unset"}; Magnum's Cluster API driver takes images with os_distro ${magnumImageDistros.join(" or ")}`);
        }
        if (!props.kube_version) problems.push(`image "${name}" has no kube_version property, from which Magnum's Cluster API driver takes the Kubernetes release`);
    }
    const built = props.kube_version;
    const want = releaseTag(kubernetesVersion);
    if (built && releaseNumber(built) !== releaseNumber(want)) {
        problems.push(`image "${name}" is built for Kubernetes ${built} (its kube_version property), not ${want}; use an image built for ${want}, or set kubernetesVersion to ${built}`);
    }
    return problems;
}

/** Why the login cannot build the cluster, if it cannot. */
export function loginProblem(backend: "magnum" | "capi", login: LoginKind): string | undefined {
    if (login.kind !== "application-credential" || !login.restricted) return undefined;
    const why =
        backend === "capi"
            ? "the capi backend creates an application credential for the cluster's controllers"
            : "Magnum's Cluster API driver creates an application credential for the cluster with the caller's token; Magnum up to 2026.1 also creates a trust, which Keystone refuses to any application credential";
    return `the site logs in with a restricted application credential, and Keystone creates no application credential for one (${why}); log in with an unrestricted application credential (openstack application credential create --unrestricted) or with a password`;
}
