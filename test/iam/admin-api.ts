// IAM's admin client API, /iam/api/clients (LS/api/client/management/ClientManagementAPIController.java,
// LS = iam-login-service/src/main/java/it/infn/mw/iam, v1.12.0): GET, POST, PUT and DELETE of one
// client, for a bearer token with iam:admin.read (GET) or iam:admin.write (the rest).
import type { IncomingMessage, ServerResponse } from "node:http";
import { ClientValidationError, dtoFromEntity, newClient, updatedClient, validateRequest } from "./client-converter";
import type { IamStore } from "./client-store";
import type { TokenService } from "./token-service";

export interface AdminApiDeps {
    readonly store: IamStore;
    readonly tokens: TokenService;
    /** Where dynamically registered clients are managed (their registration_client_uri). */
    readonly registrationBaseUrl: string;
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        let text = "";
        req.on("data", (c) => (text += c));
        req.on("end", () => resolve(text));
    });
}

function reply(res: ServerResponse, status: number, body?: unknown) {
    res.writeHead(status, { "content-type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
}

/** ClientSuppliers.java:26,36 and the controller's 404 (:186-190). */
const notFound = (res: ServerResponse, id: string) => reply(res, 404, { error: `Client not found for clientId: ${id}` });

export async function adminClientApi(req: IncomingMessage, res: ServerResponse, clientId: string, deps: AdminApiDeps): Promise<void> {
    // An unknown token is refused by the resource filter, 401; a token without the scope by
    // @PreAuthorize, 403 (LS/config/security/IamApiSecurityConfig.java:142-151; controller :77,85,101,140,169).
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /i, "");
    const token = bearer ? deps.tokens.readAccessToken(bearer) : undefined;
    if (!token) return reply(res, 401, { error: "invalid_token", error_description: "Invalid access token" });
    const needed = req.method === "GET" ? "iam:admin.read" : "iam:admin.write";
    if (!token.scope.includes(needed)) return reply(res, 403, { error: "access_denied", error_description: "Access is denied" });

    const { store } = deps;
    const existing = clientId ? store.clients.get(clientId) : undefined;
    if (req.method === "GET" && clientId) return existing ? reply(res, 200, dtoFromEntity(existing, deps.registrationBaseUrl)) : notFound(res, clientId);
    if (req.method === "DELETE" && clientId) {
        if (!existing) return notFound(res, clientId);
        store.deleteClient(clientId);
        return reply(res, 204);
    }
    const creating = req.method === "POST" && !clientId;
    if (!creating && !(req.method === "PUT" && clientId)) return reply(res, 405, { error: "method not supported here" });

    let dto: Record<string, any>;
    try {
        dto = JSON.parse((await readBody(req)) || "{}");
        // The service validates its argument before it runs (@Validated), so a bad body is a 400 even for an unknown client.
        dto = validateRequest(dto, creating ? "create" : "update", (id) => store.clients.has(id));
    } catch (err) {
        // Violations and unparsable bodies are 400 (controller :174-178,192-196).
        return reply(res, 400, { error: err instanceof ClientValidationError ? err.message : `Could not read the request: ${(err as Error).message}` });
    }
    if (creating) {
        const entity = newClient(dto);
        store.clients.set(entity.client_id, entity);
        return reply(res, 201, dtoFromEntity(entity, deps.registrationBaseUrl));
    }
    if (!existing) return notFound(res, clientId);
    const entity = updatedClient(existing, dto);
    store.clients.set(clientId, entity);
    return reply(res, 200, dtoFromEntity(entity, deps.registrationBaseUrl));
}
