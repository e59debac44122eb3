// The CA certificates that sign the cloud's API endpoints, found where the site's OpenStack
// provider finds them: the config's openstack.caCertificate, then OS_CACERT (the provider's
// cacert_file and its default, terraform-provider-openstack openstack/provider.go:256-259), then
// the `cacert` of the cloud's clouds.yaml entry (terraform-provider-openstack/utils auth/config.go:121-122),
// found as gophercloud/utils clientconfig FindAndReadCloudsYAML does (utils.go:105-170:
// OS_CLIENT_CONFIG_FILE, then clouds.yaml, then clouds.yml, each in ./, ~/.config/openstack/ and
// /etc/openstack/), else the public roots Node.js ships. The provider reads a path or the
// certificates themselves (auth/util.go:41, pathOrContents). The preflight verifies Keystone with them and the Cluster API cluster's
// controllers get them as `cacert`.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { parseYaml } from "../yaml-text";

export interface CloudCa {
    readonly pem: string;
    /** Where it came from, for messages. */
    readonly source: string;
}

export interface CaLookup {
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly home: string;
    readonly cwd: string;
    readonly exists: (path: string) => boolean;
    readonly read: (path: string) => string;
}

const hostLookup = (): CaLookup => ({ env: process.env, home: homedir(), cwd: process.cwd(), exists: existsSync, read: (p) => readFileSync(p, "utf8") });

export const publicRoots = (): CloudCa => ({ pem: `${rootCertificates.join("\n")}\n`, source: "the public roots" });

function cloudsYamlCacert(cloud: string, at: CaLookup): string | undefined {
    const dirs = [at.cwd, join(at.home, ".config", "openstack"), "/etc/openstack"];
    const candidates = [at.env.OS_CLIENT_CONFIG_FILE, ...["clouds.yaml", "clouds.yml"].flatMap((name) => dirs.map((dir) => join(dir, name)))];
    const file = candidates.find((f): f is string => f !== undefined && at.exists(f));
    if (!file) return undefined;
    const entry = (parseYaml(at.read(file)) as { clouds?: Record<string, { cacert?: unknown }> } | null)?.clouds?.[cloud];
    return typeof entry?.cacert === "string" ? entry.cacert : undefined;
}

export function cloudCa(openstack: { readonly caCertificate?: string; readonly cloud?: string }, at: CaLookup = hostLookup()): CloudCa {
    if (openstack.caCertificate) return { pem: openstack.caCertificate, source: "site.openstack.caCertificate" };
    const file = at.env.OS_CACERT || (openstack.cloud ? cloudsYamlCacert(openstack.cloud, at) : undefined);
    if (file) {
        try {
            return { pem: at.read(file), source: file };
        } catch (err) {
            throw new Error(`the cloud's CA file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
        }
    }
    return publicRoots();
}
