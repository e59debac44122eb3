// Field types of the site config: each one says what is allowed in its error message,
// so that a bad value is reported as "what is wrong and what is allowed".
import { z } from "zod";
import { parseCidr } from "./net";

/** Rucio's RSE name rule (rucio/common/schema/generic.py). */
export const rseNamePattern = /^([A-Z0-9]+([_-][A-Z0-9]+)*)$/;

const dnsLabelPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function isDnsName(value: string): boolean {
    const labels = value.split(".");
    return value.length <= 253 && labels.length >= 2 && labels.every((label) => dnsLabelPattern.test(label));
}

/** A lowercase fully qualified DNS name without the trailing dot. */
export const dnsName = z.string().refine(isDnsName, {
    error: "must be a lowercase DNS name such as storm.site.example.org (labels of a-z, 0-9 and '-', no trailing dot)",
});

/** The site's short name: every resource name starts with it, so it is a short DNS label. */
export const siteName = z
    .string()
    .regex(/^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/, {
        error: "must be 1-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
    });

/** A lowercase DNS label used as a prefix or a short identifier. */
export const dnsLabel = z.string().regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, {
    error: "must be 1-32 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
});

/** Rucio's account and scope names (rucio@40.4.1:lib/rucio/common/schema/generic.py ACCOUNT, SCOPE; ACCOUNT_LENGTH 25, SCOPE_LENGTH 25). */
export const rucioAccount = z.string().regex(/^[a-z0-9-_]{1,25}$/, { error: "is not a Rucio account name: 1 to 25 of a-z, 0-9, '-' and '_'" });
export const rucioScope = z.string().regex(/^[a-zA-Z_\-.0-9]{1,25}$/, { error: "is not a Rucio scope name: 1 to 25 of letters, digits, '_', '-' and '.'" });

export const rseName = z.string().regex(rseNamePattern, {
    error: "is not a valid RSE name: upper-case letters and digits in groups joined by '_' or '-', such as STFC_STORM",
});

function httpsUrlCheck(value: string): boolean {
    try {
        const url = new URL(value);
        // "?" and "#" are refused outright: even empty, they would change a string compared byte for byte.
        return url.protocol === "https:" && url.hostname !== "" && !/[?#]/.test(value) && !url.username && !url.password;
    } catch {
        return false;
    }
}

/** An https URL without credentials, query or fragment. The exact string is kept (a trailing slash matters for issuers). */
export const httpsUrl = z.string().refine(httpsUrlCheck, {
    error: "must be an https:// URL without user, query or fragment, such as https://iam.example.org/",
});

/** An issuer: StoRM lists issuers comma-separated in a storage area's `orgs`, so it cannot hold a comma. */
export const issuerUrl = httpsUrl.refine((value) => !value.includes(","), { error: "must not contain a comma (StoRM lists issuers comma-separated)" });

export const cidr = z.string().superRefine((value, ctx) => {
    const result = parseCidr(value);
    if (!result.ok) {
        ctx.addIssue({ code: "custom", message: `"${value}" ${result.reason.startsWith("must") ? "" : "is not a valid CIDR: "}${result.reason}` });
    }
});

export const email = z.email({ error: "must be an e-mail address such as ops@example.org" });

/** A name or ID of an existing OpenStack object (image, flavor, network, key pair). */
export const openstackRef = z.string().min(1, { error: "must not be empty" }).max(255);

/** Kubernetes release as Magnum labels and Cluster API take it. */
export const kubernetesVersion = z.string().regex(/^v?1\.\d{1,2}\.\d{1,3}$/, {
    error: "must be a Kubernetes release such as v1.36.3",
});

/** The openstack-cluster chart's rule for node group names (templates/node-group/machine-deployment.yaml). */
export const nodeGroupName = z.string().regex(/^[a-z][a-z0-9-]+[a-z0-9]$/, {
    error: "must be at least 3 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit",
}).max(32, { error: "must be at most 32 characters" });

/** One or more PEM certificates. */
export const pemCertificates = z.string().regex(/^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/, {
    error: "must be one or more PEM certificates (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----)",
});

/** An image by registry/name and an explicit tag (no :latest, no digest-less floating names). */
export const containerImage = z.string().regex(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, {
    error: "must be an image with an explicit tag, such as quay.io/jupyter/minimal-notebook:2025-06-02 (lower-case name, ':' and a tag other than latest)",
}).refine((v) => !v.endsWith(":latest"), { error: "must pin a tag; latest moves under the site" });

export const gigabytes = z.number().int({ error: "must be a whole number of GB" }).positive({ error: "must be at least 1 GB" });

export const count = (min: number, max: number) =>
    z
        .number()
        .int({ error: "must be a whole number" })
        .min(min, { error: `must be at least ${min}` })
        .max(max, { error: `must be at most ${max}` });
