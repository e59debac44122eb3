// A browser as far as a login needs one: a cookie jar (RFC 6265: by host, not port, and by path
// prefix; cleared by an expiry in the past) and redirects followed one by one, each recorded.

interface Cookie {
    readonly name: string;
    readonly value: string;
    readonly host: string;
    readonly path: string;
    readonly expires?: number;
}

export interface Visit {
    readonly status: number;
    readonly url: string;
    readonly location?: string;
    readonly body: string;
    /** Every URL requested on the way, the first included. */
    readonly hops: readonly string[];
}

export class Browser {
    private cookies: Cookie[] = [];

    /**
     * GET `url` and follow redirects (at most `maxHops`); `follow: false` answers the first
     * response, `stopAfter` the response of the first URL it matches (a login without the spawn after it).
     */
    async visit(url: string, opts: { follow?: boolean; maxHops?: number; stopAfter?: RegExp } = {}): Promise<Visit> {
        const hops: string[] = [];
        let current = url;
        for (let i = 0; i <= (opts.maxHops ?? 20); i++) {
            hops.push(current);
            const res = await fetch(current, { redirect: "manual", headers: this.cookieHeader(current) });
            this.store(current, res.headers.getSetCookie());
            const location = res.headers.get("location") ?? undefined;
            const body = await res.text();
            if (res.status >= 300 && res.status < 400 && location && opts.follow !== false && !opts.stopAfter?.test(current)) {
                current = new URL(location, current).toString();
                continue;
            }
            return { status: res.status, url: current, location, body, hops };
        }
        throw new Error(`more than ${opts.maxHops ?? 20} redirects from ${url}`);
    }

    private cookieHeader(url: string): Record<string, string> {
        const u = new URL(url);
        const now = Date.now();
        this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
        const matching = this.cookies.filter((c) => c.host === u.hostname && (u.pathname === c.path || u.pathname.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`)));
        return matching.length ? { cookie: matching.map((c) => `${c.name}=${c.value}`).join("; ") } : {};
    }

    private store(url: string, setCookies: string[]): void {
        const u = new URL(url);
        for (const header of setCookies) {
            const [pair, ...attrs] = header.split(";").map((s) => s.trim());
            const at = pair.indexOf("=");
            const name = pair.slice(0, at);
            const value = pair.slice(at + 1);
            let path = u.pathname.replace(/\/[^/]*$/, "") || "/";
            let expires: number | undefined;
            for (const attr of attrs) {
                const [k, v = ""] = attr.split("=");
                const key = k.toLowerCase();
                if (key === "path") path = v || "/";
                else if (key === "max-age") expires = Date.now() + Number(v) * 1000;
                else if (key === "expires" && expires === undefined) expires = Date.parse(v);
            }
            this.cookies = this.cookies.filter((c) => !(c.name === name && c.host === u.hostname && c.path === path));
            this.cookies.push({ name, value, host: u.hostname, path, expires });
        }
    }
}
