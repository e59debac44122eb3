// What Rucio must hold about the site's RSE, as data: the RSE, its davs protocol, its attributes,
// its distances and its accounts, all derived from the storage part and the Rucio config. Pure, so
// "what the site registers" is tested on its own; RseRegistration makes Rucio hold it.
import { derivedRseAttributes, type SiteModel } from "../../config/derive";
import type { RseProtocolSpec, RseSpec } from "./rse-registration";

/** gfal2 speaks davs (WebDAV over TLS) to StoRM-WebDAV; Rucio's clients and FTS reach the RSE through it. */
export const davsImpl = "rucio.rse.protocols.gfal.Default";

/**
 * Priorities of the protocol per operation (1 is the first choice, 0 would mean "not through this
 * protocol"). The RSE has one protocol, used for everything, inside and outside the site.
 */
const everyOperation: RseProtocolSpec["domains"] = {
    lan: { read: 1, write: 1, delete: 1 },
    wan: { read: 1, write: 1, delete: 1, third_party_copy_read: 1, third_party_copy_write: 1 },
};

/** Rucio limits are in bytes; quotas in config are in GB (10^9 bytes). */
export const bytesPerGb = 1_000_000_000;

/** No limit, as Rucio's account limit API takes it. */
export const noLimit = -1;

/** The RSE under its configured name; a test site registers it with a suffix (SiteRucio). */
export function planRse(model: SiteModel): RseSpec {
    const rucio = model.config.rucio;
    const rse = model.storage.rse;
    // Exactly the attributes config/derive.ts names as derived (the config may not set them).
    const derived = {
        // FTS runs the site's transfers and deletions.
        fts: model.rucio.ftsUrl,
        // Rucio strips this base from the protocol's prefix to form the storage scopes of the tokens
        // it asks IAM for (rucio@40.4.1:lib/rucio/core/rse.py:2058-2081): /<area>/ minus /<area> is "/".
        oidc_support: true,
        oidc_base_path: rse.oidcBasePath,
        // StoRM-WebDAV answers Want-Digest: adler32, so uploads and transfers are checked.
        verify_checksum: true,
        lfn2pfn_algorithm: rucio.lfn2pfnAlgorithm,
        site: model.name,
    } satisfies Record<(typeof derivedRseAttributes)[number], string | boolean>;
    return {
        name: rse.name,
        deterministic: true,
        rseType: "DISK",
        protocol: { ...rse.protocol, impl: davsImpl, domains: everyOperation },
        attributes: { ...rucio.rseAttributes, ...derived },
        peers: rucio.peers.map((p) => ({ rse: p.rse, distance: p.distance })),
        accounts: rucio.accounts.map((a) => ({
            account: a.account,
            bytes: a.quotaGb === undefined ? noLimit : a.quotaGb * bytesPerGb,
            scopes: [...a.scopes],
            // Rucio wants a contact for an account it creates: the site's operators.
            email: model.acme.email,
        })),
        // The site's own Rucio is run with root's credentials, which may create accounts; a central
        // Rucio's accounts are its administrators' to create.
        createAccounts: model.rucio.mode === "deploy",
    };
}
