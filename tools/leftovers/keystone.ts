// Logging in to Keystone and finding the services in its catalog. The tokens endpoint is the
// preflight's (components/site/keystone.ts tokensUrl); the preflight gets its token from the
// provider, so issuing one is the only request added here: POST /v3/auth/tokens, whose answer
// carries the token in X-Subject-Token and the catalog in its body
// (keystone@30ef2ffa:api-ref/source/v3/authenticate-v3.inc:7-19).
import { cloudSend, type CloudAnswer } from "../../components/site/cloud-http";
import { tokensUrl } from "../../components/site/keystone";
import { tokenRequest, type EndpointInterface, type Login } from "./credentials";

export interface CatalogEndpoint {
    readonly interface: string;
    readonly region?: string;
    readonly region_id?: string;
    readonly url: string;
}

export interface CatalogEntry {
    readonly type: string;
    readonly name?: string;
    readonly endpoints: readonly CatalogEndpoint[];
}

export interface Session {
    readonly token: string;
    readonly userId?: string;
    readonly projectId?: string;
    readonly catalog: readonly CatalogEntry[];
}

/** The message of an OpenStack error body ({"error": {"message"}} from Keystone, and the like), else the text. */
export function errorMessage(body: unknown): string {
    if (typeof body === "string") return body.trim().slice(0, 300);
    const b = body as Record<string, any> | undefined;
    const inner = b?.error ?? b?.NeutronError ?? b?.badRequest ?? b?.itemNotFound ?? b?.forbidden ?? b?.computeFault ?? (b && Object.values(b).length === 1 ? Object.values(b)[0] : undefined);
    const message = inner?.message ?? b?.message ?? b?.faultstring ?? b?.description ?? b?.title;
    return typeof message === "string" ? message : JSON.stringify(body ?? "").slice(0, 300);
}

/** Issues a token for the login; fails naming Keystone and its answer. */
export async function issueToken(login: Login, ca?: string): Promise<Session> {
    const url = tokensUrl(login.auth.authUrl!);
    let answer: CloudAnswer;
    try {
        answer = await cloudSend("POST", { url, headers: {}, ca, body: tokenRequest(login) });
    } catch (err) {
        throw new Error(`Keystone (identity) at ${url} could not be reached: ${(err as Error).message}`);
    }
    if (answer.status !== 201 && answer.status !== 200) {
        throw new Error(`Keystone (identity) refused the login from ${login.source}: HTTP ${answer.status} to POST ${url}: ${errorMessage(answer.body)}`);
    }
    const token = answer.headers["x-subject-token"];
    const body = (answer.body as { token?: { user?: { id?: string }; project?: { id?: string }; catalog?: CatalogEntry[] } } | undefined)?.token;
    if (typeof token !== "string" || !body) throw new Error(`Keystone (identity) answered POST ${url} without a token (no X-Subject-Token header or token body)`);
    return { token, userId: body.user?.id, projectId: body.project?.id, catalog: body.catalog ?? [] };
}

/**
 * The URL of the first endpoint of one of `types` with the interface, in the region when one is
 * set (region or region_id), as gophercloud@v1.8.0:openstack/endpoint_location.go V3EndpointURL
 * picks it for the provider.
 */
export function endpointOf(catalog: readonly CatalogEntry[], types: readonly string[], iface: EndpointInterface, region?: string): string | undefined {
    for (const type of types) {
        for (const entry of catalog.filter((e) => e.type === type)) {
            const found = entry.endpoints.find((e) => e.interface === iface && (!region || e.region === region || e.region_id === region));
            if (found) return found.url;
        }
    }
    return undefined;
}
