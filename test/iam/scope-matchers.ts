// IAM's scope matching: which requested scopes a client's registered scopes allow. A registered
// scope is matched by string equality, unless a custom matcher of the `wlcg-scopes` profile
// applies to it, in which case that matcher decides (so `storage.read:/` allows
// `storage.read:/sub/dir`). LS = iam-login-service/src/main/java/it/infn/mw/iam (v1.12.0).

export interface ScopeMatcher {
    matches(scope: string): boolean;
}

/** Thrown for a scope with `..` in it (StructuredPathScopeMatcher.java:61-63); IAM answers it as a server error. */
export class RelativePathScopeError extends Error {}

/** LS/core/oauth/scope/matchers/StringEqualsScopeMatcher.java:29-32. */
const stringEquals = (expected: string): ScopeMatcher => ({ matches: (scope) => scope === expected });

/** LS/core/oauth/scope/matchers/RegexpScopeMatcher.java:36-40: Java's matches(), the whole string. */
const regexpMatcher = (regexp: string): ScopeMatcher => {
    const pattern = new RegExp(`^(?:${regexp})$`);
    return { matches: (scope) => pattern.test(scope) };
};

/**
 * LS/core/oauth/scope/matchers/StructuredPathScopeMatcher.java:47-75: the prefix and the path are
 * used as regular expressions, as IAM does (`^<prefix>:` found, then `<path>.*` matching the rest).
 */
const pathMatcher = (prefix: string, path: string): ScopeMatcher => {
    const prefixPattern = new RegExp(`^${prefix}:`);
    const pathPattern = new RegExp(`^(?:${path}.*)$`);
    return {
        matches(scope) {
            if (/\.\.\/?/.test(scope)) throw new RelativePathScopeError("Scope contains relative path references");
            return prefixPattern.test(scope) && pathPattern.test(scope.slice(prefix.length + 1));
        },
    };
};

/** The matchers of the `wlcg-scopes` profile (iam-login-service/src/main/resources/application-wlcg-scopes.yml:17-41). */
export const wlcgScopeMatchers: readonly ScopeMatcher[] = [
    pathMatcher("storage.read", "/"),
    pathMatcher("storage.write", "/"),
    pathMatcher("storage.modify", "/"),
    pathMatcher("storage.create", "/"),
    pathMatcher("storage.stage", "/"),
    regexpMatcher("^wlcg\\.groups(?::((?:\\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+))?$"),
];

/**
 * LS/core/oauth/scope/matchers/DefaultScopeMatcherRegistry.java:43-64: for each registered scope,
 * the first custom matcher that matches it, provided the scope appears in the printed list of
 * system scopes (a substring test, :60; only the values are kept here), else string equality.
 */
export function matchersForClient(clientScopes: readonly string[], systemScopes: readonly string[], customMatchers: readonly ScopeMatcher[]): ScopeMatcher[] {
    return clientScopes.map((registered) => {
        const custom = systemScopes.some((s) => s.includes(registered)) ? customMatchers.find((m) => m.matches(registered)) : undefined;
        return custom ?? stringEquals(registered);
    });
}

/** The first requested scope none of the matchers allows (ScopeMatcherOAuthRequestValidator.java:38-45). */
export function firstUnmatched(requested: readonly string[], matchers: readonly ScopeMatcher[]): string | undefined {
    return requested.find((scope) => !matchers.some((m) => m.matches(scope)));
}
