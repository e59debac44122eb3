// What a notebook sees, as data: where the RSE's storage areas are mounted, where the user's
// access token lives, and how rucio-jupyterlab maps a replica's PFN to a file under the mount.
// Derived once from the same values the storage part and the RSE protocol use, so a change of
// the storage-area layout moves all of them together.
import type { DerivedStorageArea, SiteModel } from "../../config/derive";
import { rseClaimName } from "../cluster/render/platform";

/** The notebook user of the Jupyter images (jovyan) and its group (users). */
export const notebookUser = { uid: 1000, gid: 100 } as const;

/** A memory-backed volume for the user's access token: never on disk, gone with the pod. */
export const tokenVolume = { name: "srcnet-token", mountPath: "/run/srcnet" } as const;

/** The current access token, as rucio-jupyterlab and the Rucio client read it (no trailing newline). */
export const tokenFile = `${tokenVolume.mountPath}/access_token`;

/** The hub's public URL, from its hostname (jupyter.<domain>). */
export const hubUrl = (hostname: string) => `https://${hostname}`;

/**
 * What the hub's login asks IAM for: who the user is and their groups (profile carries `groups`,
 * and wlcg.groups the `wlcg.groups` of a WLCG-profile token). No offline_access: the session's
 * only refresh token is the notebook token's. The hub's IAM client holds them (identity/plan.ts).
 */
export const hubLoginScopes: readonly string[] = ["openid", "profile", "email", "wlcg.groups"];

/** Where IAM sends the browser back to after a login: JupyterHub's OAuth callback under its URL. */
export const hubOauthCallback = (url: string) => `${url.replace(/\/+$/, "")}/hub/oauth_callback`;

/**
 * Where, under the hub's API (JUPYTERHUB_API_URL, .../hub/api), a notebook's server reads its
 * user's current access token: the hub's authenticator serves it (notebook_token_api_path) and the
 * notebook's agent polls it (SRCNET_TOKEN_API_PATH), both given it here. {user}: the user's name.
 */
export const notebookTokenApiPath = "/srcnet/users/{user}/notebook-token";

/** Storage areas are mounted read-only under this directory, one directory per area. */
export const storageMountRoot = "/storage";

export interface NotebookArea {
    readonly name: string;
    /** The claim the platform binds to the area's read-only NFS volume. */
    readonly claim: string;
    readonly mountPath: string;
}

export interface NotebookDataPlan {
    readonly areas: readonly NotebookArea[];
    /** The RSE's own area, as rucio-jupyterlab's replica mode needs it. */
    readonly rse: {
        /** Its mountPath is rse_mount_path: where the RSE's files appear in the notebook. */
        readonly area: NotebookArea;
        /**
         * path_begins_at: how many leading segments of a replica's PFN path the mount does not
         * have. rucio-jupyterlab takes the PFN's URL path, strips its slashes, drops this many
         * segments and joins the rest to rse_mount_path
         * (rucio/jupyterlab-extension@40.0.2:rucio_jupyterlab/mode_handlers/replica.py:478-512).
         * Rucio builds a PFN as scheme://host:port + prefix + lfn2pfn path, the prefix with one
         * leading and one trailing slash (rucio/rucio@40.4.1:lib/rucio/rse/protocols/protocol.py:98-129);
         * StoRM serves the area's access point from its rootPath, which is what the NFS volume
         * exports and the notebook mounts. So the segments to drop are the prefix's: the access point's.
         */
        readonly pathBeginsAt: number;
    };
}

export function notebookArea(area: DerivedStorageArea): NotebookArea {
    return { name: area.name, claim: rseClaimName(area), mountPath: `${storageMountRoot}/${area.name}` };
}

/** The non-empty segments of a URL path: what path_begins_at counts. */
export const pathSegments = (path: string): string[] => path.split("/").filter((s) => s.length > 0);

export function planNotebookData(model: SiteModel): NotebookDataPlan {
    const areas = model.storage.areas.map(notebookArea);
    return { areas, rse: { area: notebookArea(model.storage.rse.area), pathBeginsAt: pathSegments(model.storage.rse.protocol.prefix).length } };
}

/**
 * The file in the notebook that rucio-jupyterlab (replica mode) shows for a replica's PFN, by the
 * rule its replica handler applies (replica.py:478-512 above): URL path, slashes stripped at both
 * ends, split at most path_begins_at times, the last part joined to rse_mount_path. For the README
 * and the tests; the extension computes it itself.
 */
export function notebookPathOf(rse: NotebookDataPlan["rse"], pfn: string): string {
    const segments = new URL(pfn).pathname.replace(/^\/+|\/+$/g, "").split("/");
    // Python's str.split(sep, n) keeps the remainder, separators included, as its last element.
    const rest = rse.pathBeginsAt === 0 ? segments.join("/") : segments.length > rse.pathBeginsAt ? segments.slice(rse.pathBeginsAt).join("/") : segments[segments.length - 1];
    return `${rse.area.mountPath.replace(/\/+$/, "")}/${rest}`;
}
