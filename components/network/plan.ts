// The site's firewall as data: which security groups exist and which traffic each admits.
// Pure, so that "only what a service needs is open" is tested without Pulumi.
import { anyIPv4, anyIPv6, cidr as parseCidr, ethertype } from "../../config/net";
import { ports } from "../../config/ports";

export type Protocol = "tcp" | "udp";

/** Where admitted traffic may come from: anywhere, the site's own subnet, or a given CIDR. */
export type Source = { readonly kind: "anywhere" } | { readonly kind: "site" } | { readonly kind: "cidr"; readonly cidr: string };

export interface IngressRule {
    readonly description: string;
    readonly protocol: Protocol;
    readonly port: number;
    /** Last port of a range; defaults to `port`. */
    readonly portMax?: number;
    readonly from: Source;
}

export type SecurityGroupRole = "admin" | "storage" | "web" | "site";

/**
 * Traffic a part of the site needs between site hosts, admitted by the group of the hosts that
 * receive it (`storage` for the StoRM node, `site` for every host), so that no other host opens it.
 */
export interface SiteRule extends IngressRule {
    readonly to: Exclude<SecurityGroupRole, "admin">;
}

export interface SecurityGroupPlan {
    readonly role: SecurityGroupRole;
    readonly description: string;
    readonly ingress: readonly IngressRule[];
    /** Outbound traffic (package mirrors, IAM, ACME) leaves through the group every host has. */
    readonly egress: boolean;
}

/** One concrete rule as Neutron takes it: a single ethertype and remote prefix. */
export interface RuleSpec {
    /** Stable key: adding or removing one rule never renames another. */
    readonly key: string;
    readonly description: string;
    readonly direction: "ingress" | "egress";
    readonly ethertype: "IPv4" | "IPv6";
    readonly protocol?: Protocol;
    readonly portRangeMin?: number;
    readonly portRangeMax?: number;
    readonly remoteIpPrefix: string;
}

export interface NetworkFacts {
    readonly adminCidrs: readonly string[];
    readonly subnetCidr: string;
}

const fromAnywhere: Source = { kind: "anywhere" };

export function planSecurityGroups(facts: NetworkFacts, siteRules: readonly SiteRule[]): SecurityGroupPlan[] {
    const rulesTo = (role: SecurityGroupRole): IngressRule[] => siteRules.filter((r) => r.to === role).map(({ to: _to, ...rule }) => rule);
    return [
        {
            role: "admin",
            description: "Admin SSH, only from the site's admin networks",
            ingress: facts.adminCidrs.map((c) => ({ description: "SSH from an admin network", protocol: "tcp", port: ports.ssh, from: { kind: "cidr", cidr: c } })),
            egress: false,
        },
        {
            role: "storage",
            description: "StoRM-WebDAV: WebDAV over TLS from anywhere, HTTP for ACME challenges",
            ingress: [
                { description: "WebDAV over TLS", protocol: "tcp", port: ports.webdav, from: fromAnywhere },
                { description: "ACME HTTP-01 challenges for the host certificate", protocol: "tcp", port: ports.http, from: fromAnywhere },
                ...rulesTo("storage"),
            ],
            egress: false,
        },
        {
            role: "web",
            description: "Cluster ingress: HTTPS from anywhere, HTTP for ACME challenges and redirects",
            ingress: [
                { description: "HTTPS", protocol: "tcp", port: ports.https, from: fromAnywhere },
                { description: "ACME HTTP-01 challenges and redirects to HTTPS", protocol: "tcp", port: ports.http, from: fromAnywhere },
                ...rulesTo("web"),
            ],
            egress: false,
        },
        {
            role: "site",
            description: "Every site host: traffic between site hosts that every host needs, and outbound traffic",
            ingress: rulesTo("site"),
            egress: true,
        },
    ];
}

function remotes(source: Source, facts: NetworkFacts): string[] {
    switch (source.kind) {
        case "anywhere":
            return [anyIPv4, anyIPv6];
        case "site":
            return [facts.subnetCidr];
        case "cidr":
            return [source.cidr];
    }
}

function portsText(rule: IngressRule): string {
    return rule.portMax !== undefined && rule.portMax !== rule.port ? `${rule.port}-${rule.portMax}` : `${rule.port}`;
}

const slug = (prefix: string) => prefix.replace(/[:/.]+/g, "-").replace(/-+$/, "");

/** Expands a group's plan into Neutron rules, one per ethertype and remote prefix. */
export function expandRules(plan: SecurityGroupPlan, facts: NetworkFacts): RuleSpec[] {
    const ingress = plan.ingress.flatMap((rule) =>
        remotes(rule.from, facts).map(
            (remote): RuleSpec => ({
                key: `${rule.protocol}-${portsText(rule)}-from-${slug(remote)}`,
                description: rule.description,
                direction: "ingress",
                ethertype: ethertype(parseCidr(remote)),
                protocol: rule.protocol,
                portRangeMin: rule.port,
                portRangeMax: rule.portMax ?? rule.port,
                remoteIpPrefix: remote,
            }),
        ),
    );
    const egress: RuleSpec[] = plan.egress
        ? [anyIPv4, anyIPv6].map((remote) => ({
              key: `egress-${ethertype(parseCidr(remote)).toLowerCase()}`,
              description: "Outbound traffic",
              direction: "egress",
              ethertype: ethertype(parseCidr(remote)),
              remoteIpPrefix: remote,
          }))
        : [];
    return [...ingress, ...egress];
}
