// Keeps the instance metadata service to root on the storage node. Its user-data may carry secrets
// (a provided host key, the StoRM login's client secret), and StoRM-WebDAV fetches any http(s)
// URL it is given as the source of a third-party COPY (its TPC filter checks only the scheme and
// path: tpc/TransferFilterSupport.java:123-125 and TransferConstants.SUPPORTED_PROTOCOLS at 1.9.0), so without this any holder of a storage write
// token could copy the user-data into a storage area. cloud-init and the metadata agent run as root.
import { nodePaths } from "./paths";

/** OpenStack's metadata service: the link-local IPv4 address and its IPv6 twin. */
export const metadataAddresses = { ipv4: "169.254.169.254", ipv6: "fe80::a9fe:a9fe" } as const;

export const metadataGuardTable = "srcnet_metadata_guard";

/** The unit that loads the rules; StoRM's units require it. */
export const metadataGuardUnit = "srcnet-metadata-guard.service";

/**
 * nftables rules, loaded with `nft -f`: the first two lines make reloading replace the table
 * instead of adding its rules twice. Refused, not dropped, so a denied process fails at once.
 * Indented with spaces, not tabs, so that the user-data can carry it as a readable block.
 */
export const metadataGuardRules = [
    `table inet ${metadataGuardTable}`,
    `delete table inet ${metadataGuardTable}`,
    `table inet ${metadataGuardTable} {`,
    "    chain output {",
    "        type filter hook output priority filter; policy accept;",
    `        ip daddr ${metadataAddresses.ipv4} meta skuid != 0 counter reject with icmp type admin-prohibited`,
    `        ip6 daddr ${metadataAddresses.ipv6} meta skuid != 0 counter reject with icmpv6 type admin-prohibited`,
    "    }",
    "}",
    "",
].join("\n");

/** Loads the rules before StoRM-WebDAV starts; StoRM's units require it, so they never run unguarded. */
export const metadataGuardService = [
    "[Unit]",
    "Description=Keep the instance metadata service (user-data) to root",
    "DefaultDependencies=no",
    "Before=network-pre.target",
    "Wants=network-pre.target",
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=/usr/sbin/nft -f ${nodePaths.metadataGuard}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
].join("\n");
