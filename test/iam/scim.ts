// IAM's users and groups, and its SCIM user API (/scim/Users) as IAM v1.12.0 serves them.
// LS = iam-login-service/src/main/java/it/infn/mw/iam (v1.12.0), SCIM = LS/api/scim.
//
// Groups: IAM stores a group's full path as its name ("skao/uksrc" for uksrc under skao;
// SCIM/provisioning/ScimGroupProvisioning.java:121-124, LS/api/group/GroupDTOConverter.java:49).
// SCIM shows that name as a user's groups[].display (SCIM/converter/UserConverter.java:284-291);
// the wlcg.groups claim is the same name with a leading "/" (LS/core/oauth/profile/wlcg/
// WLCGGroupHelper.java:50-52). Membership is only what was granted: a member of skao/uksrc is not
// thereby a member of skao, in SCIM and in the claim alike.
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { IamUser } from "./jwt-profiles";
import type { TokenService } from "./token-service";

/** A user as a test adds one; groups are IAM group names (full paths, no leading "/"). */
export interface NewIamUser {
    readonly username: string;
    /** IAM's account UUID, the tokens' sub; a fresh one when not given. */
    readonly sub?: string;
    readonly email: string;
    readonly groups?: readonly string[];
    /** false: an account an administrator disabled. */
    readonly active?: boolean;
    readonly givenName?: string;
    readonly familyName?: string;
}

export interface DirectoryUser {
    readonly sub: string;
    readonly username: string;
    email: string;
    groups: string[];
    active: boolean;
    readonly givenName: string;
    readonly familyName: string;
    readonly created: Date;
    lastModified: Date;
}

/** SCIM/model/ScimConstants.java:20-22, ScimUser.java:49, ScimListResponse.java:27. */
export const scimSchemas = {
    contentType: "application/scim+json;charset=UTF-8",
    user: "urn:ietf:params:scim:schemas:core:2.0:User",
    indigoUser: "urn:indigo-dc:scim:schemas:IndigoUser",
    listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
} as const;

/** SCIM/controller/ScimControllerSupport.java:23. */
export const scimUserMaxPageSize = 100;

/**
 * IAM's account and group tables. Users are listed in the order they were added, as IAM's
 * unsorted findAll pages through its account table (SCIM/provisioning/ScimUserProvisioning.java:190-192).
 */
export class IamDirectory {
    private readonly users: DirectoryUser[] = [];
    private readonly groupIds = new Map<string, string>();
    // Creation times one second apart, so that "who came first" is fixed by the order of addUser.
    private readonly epoch = Date.now() - 86_400_000;
    private added = 0;

    addUser(u: NewIamUser): DirectoryUser {
        if (this.find(u.username)) throw new Error(`IAM already has a user ${u.username}`);
        const created = new Date(this.epoch + this.added++ * 1000);
        const user: DirectoryUser = {
            sub: u.sub ?? randomUUID(),
            username: u.username,
            email: u.email,
            groups: [],
            active: u.active ?? true,
            givenName: u.givenName ?? u.username,
            familyName: u.familyName ?? "Tester",
            created,
            lastModified: created,
        };
        this.users.push(user);
        this.setGroups(u.username, u.groups ?? []);
        return user;
    }

    /** An administrator deletes the account: it is gone from SCIM and can no longer log in. */
    removeUser(username: string): void {
        this.users.splice(this.users.indexOf(this.get(username)), 1);
    }

    disableUser(username: string): void {
        this.touch(username, (u) => (u.active = false));
    }

    enableUser(username: string): void {
        this.touch(username, (u) => (u.active = true));
    }

    /** The user's memberships become exactly `groups`; a group (and its parents, which IAM requires) is created on first use. */
    setGroups(username: string, groups: readonly string[]): void {
        for (const g of groups) {
            if (g.startsWith("/") || g.endsWith("/") || g.includes("//")) throw new Error(`${g} is not an IAM group name (a path such as skao/uksrc)`);
            const parts = g.split("/");
            parts.forEach((_, i) => this.groupId(parts.slice(0, i + 1).join("/")));
        }
        this.touch(username, (u) => (u.groups = [...new Set(groups)]));
    }

    setEmail(username: string, email: string): void {
        this.touch(username, (u) => (u.email = email));
    }

    find(username: string): DirectoryUser | undefined {
        return this.users.find((u) => u.username === username);
    }

    list(): readonly DirectoryUser[] {
        return this.users;
    }

    /** The group's UUID, creating the group when IAM has none of that name. */
    groupId(name: string): string {
        let id = this.groupIds.get(name);
        if (!id) this.groupIds.set(name, (id = randomUUID()));
        return id;
    }

    /** The user as a token is issued for them; IAM lets no disabled account log in. */
    tokenUser(username: string): IamUser {
        const u = this.get(username);
        if (!u.active) throw new Error(`IAM user ${username} is disabled and cannot log in`);
        return { sub: u.sub, username: u.username, groups: [...u.groups] };
    }

    private get(username: string): DirectoryUser {
        const u = this.find(username);
        if (!u) throw new Error(`IAM has no user ${username}`);
        return u;
    }

    private touch(username: string, change: (u: DirectoryUser) => void): void {
        const u = this.get(username);
        change(u);
        u.lastModified = new Date();
    }
}

/** SCIM/converter/UserConverter.java:185-266 with the builders' NON_EMPTY JSON (ScimUser.java:39, ScimGroupRef.java:22). */
export function scimUser(u: DirectoryUser, directory: IamDirectory, baseUrl: string): Record<string, unknown> {
    const groups = u.groups.map((name) => {
        const id = directory.groupId(name);
        return { display: name, value: id, $ref: `${baseUrl}/scim/Groups/${id}` };
    });
    return {
        id: u.sub,
        meta: { created: u.created.toISOString(), lastModified: u.lastModified.toISOString(), location: `${baseUrl}/scim/Users/${u.sub}`, resourceType: "User" },
        schemas: [scimSchemas.user, scimSchemas.indigoUser],
        userName: u.username,
        name: { givenName: u.givenName, familyName: u.familyName, formatted: `${u.givenName} ${u.familyName}` },
        displayName: u.username,
        active: u.active,
        // ScimEmail.Builder.email: type work, primary (ScimEmail.java:114-119).
        emails: [{ type: "work", value: u.email, primary: true }],
        ...(groups.length > 0 ? { groups } : {}),
        [scimSchemas.indigoUser]: { serviceAccount: false },
    };
}

/** An Integer request parameter as Spring binds it: absent is null, anything not an integer a 400. */
function intParam(params: URLSearchParams, name: string): number | null | "bad" {
    const raw = params.get(name);
    if (raw === null || raw === "") return null;
    return /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : "bad";
}

/** ScimControllerSupport.buildPageRequest (:35-66): count absent is the maximum, clamped to [0, max]; startIndex below 1 is 1. */
export function scimPage(count: number | null, startIndex: number | null, max = scimUserMaxPageSize): { count: number; offset: number } {
    const validCount = count === null ? max : Math.min(Math.max(count, 0), max);
    const validStart = startIndex === null || startIndex < 1 ? 1 : startIndex;
    return { count: validCount, offset: validStart - 1 };
}

function reply(res: ServerResponse, status: number, body: unknown, contentType = "application/json") {
    res.writeHead(status, { "content-type": contentType }).end(JSON.stringify(body));
}

/** Spring's content negotiation against produces = SCIM_CONTENT_TYPE: an Accept that excludes it is a 406. */
function acceptsScim(accept: string | undefined): boolean {
    if (!accept) return true;
    return accept.split(",").some((a) => ["*/*", "application/*", "application/scim+json"].includes(a.split(";")[0].trim().toLowerCase()));
}

export interface ScimDeps {
    readonly directory: IamDirectory;
    readonly tokens: TokenService;
    readonly baseUrl: () => string;
}

/**
 * /scim/Users and /scim/Users/{id} for GET (SCIM/controller/ScimUserController.java:82-113). /scim/**
 * needs a bearer token (LS/config/security/IamApiSecurityConfig.java:142-170: a request without
 * one is refused by the entry point, an unknown token by the resource filter, both 401); reading
 * needs the token's scope scim:read (@PreAuthorize at :82 and :108, evaluated on the stored
 * token's scope, LS/core/userinfo/DefaultOAuth2AuthenticationScopeResolver.java:43-61), else 403.
 * Writes (scim:write) are not modelled. The `attributes` filter is not modelled either.
 */
export function scimUsersApi(req: IncomingMessage, res: ServerResponse, deps: ScimDeps): void {
    const url = new URL(req.url ?? "/", "http://scim");
    const bearer = /^Bearer /i.test(req.headers.authorization ?? "") ? (req.headers.authorization ?? "").slice(7).trim() : "";
    if (!bearer) return reply(res, 401, { error: "unauthorized", error_description: "Full authentication is required to access this resource" });
    const token = deps.tokens.readAccessToken(bearer);
    if (!token) return reply(res, 401, { error: "invalid_token", error_description: "Invalid access token" });
    const needed = req.method === "GET" ? "scim:read" : "scim:write";
    if (!token.scope.includes(needed)) return reply(res, 403, { error: "access_denied", error_description: "Access is denied" });
    if (req.method !== "GET") return reply(res, 405, { error: "not modelled by the stand-in" });
    if (!acceptsScim(req.headers.accept)) return reply(res, 406, { error: "Not Acceptable" });

    const base = deps.baseUrl();
    const id = url.pathname.replace(/^\/scim\/Users\/?/, "");
    if (id) {
        const user = deps.directory.list().find((u) => u.sub === decodeURIComponent(id));
        // ScimUserProvisioning.getById: ScimResourceNotFoundException, answered 404 as a SCIM error.
        if (!user) return reply(res, 404, { schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404", detail: `No user mapped to id '${id}'` }, scimSchemas.contentType);
        return reply(res, 200, scimUser(user, deps.directory, base), scimSchemas.contentType);
    }
    const count = intParam(url.searchParams, "count");
    const startIndex = intParam(url.searchParams, "startIndex");
    if (count === "bad" || startIndex === "bad") return reply(res, 400, { error: "Failed to convert value of type 'java.lang.String' to required type 'java.lang.Integer'" });
    const page = scimPage(count, startIndex);
    const all = deps.directory.list();
    // ScimUserProvisioning.list (:179-203): a count of 0 answers the total only; otherwise one
    // page from the offset, with ListResponseDTO.Builder.fromPage's itemsPerPage (the page's size)
    // and a 1-based startIndex (ListResponseDTO.java:98-103). NON_NULL leaves out what is not set.
    if (page.count === 0) return reply(res, 200, { totalResults: all.length, Resources: [], schemas: [scimSchemas.listResponse] }, scimSchemas.contentType);
    const resources = all.slice(page.offset, page.offset + page.count).map((u) => scimUser(u, deps.directory, base));
    reply(res, 200, { totalResults: all.length, itemsPerPage: resources.length, startIndex: page.offset + 1, Resources: resources, schemas: [scimSchemas.listResponse] }, scimSchemas.contentType);
}
