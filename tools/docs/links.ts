// Relative links of the documentation pages (README.md and docs/*.md): each must name a file or
// directory of the repository and, for a Markdown page, one of its headings' anchors.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** The lines of a page outside fenced code blocks, with their line numbers (from 1). */
function proseLines(text: string): { line: string; number: number }[] {
    const out: { line: string; number: number }[] = [];
    let fence: string | undefined;
    text.split("\n").forEach((line, i) => {
        const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
        if (fence !== undefined) {
            if (marker !== undefined && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = undefined;
        } else if (marker !== undefined) {
            fence = marker;
        } else {
            out.push({ line, number: i + 1 });
        }
    });
    return out;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as '-'. */
export function slug(heading: string): string {
    const text = heading
        .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text only
        .replace(/<[^>]+>/g, "") // inline HTML
        .trim()
        .toLowerCase();
    return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
}

/** Every heading anchor of a page; a repeated heading gets -1, -2 and so on, as on GitHub. */
export function headingAnchors(text: string): Set<string> {
    const anchors = new Set<string>();
    const seen = new Map<string, number>();
    for (const { line } of proseLines(text)) {
        const m = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!m) continue;
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        anchors.add(n === 0 ? base : `${base}-${n}`);
    }
    return anchors;
}

export interface Link {
    readonly line: number;
    readonly target: string;
}

/** The links of a page that are neither absolute URLs nor in code: `[text](target)` and `![alt](target)`. */
export function relativeLinks(text: string): Link[] {
    const links: Link[] = [];
    for (const { line, number } of proseLines(text)) {
        const prose = line.replace(/(`+)[^`]*?\1/g, ""); // inline code holds no links
        for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)/g)) {
            const target = m[1];
            if (target === "" || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
            links.push({ line: number, target });
        }
    }
    return links;
}

/** What is wrong with the relative links of the given pages (paths from root), one line each. */
export function brokenLinks(root: string, pages: readonly string[]): string[] {
    const problems: string[] = [];
    const anchorsOf = new Map<string, Set<string>>();
    const anchors = (file: string) => {
        let set = anchorsOf.get(file);
        if (!set) {
            set = headingAnchors(readFileSync(file, "utf8"));
            anchorsOf.set(file, set);
        }
        return set;
    };
    for (const page of pages) {
        const full = join(root, page);
        for (const { line, target } of relativeLinks(readFileSync(full, "utf8"))) {
            const where = `${page}:${line}: ${target}`;
            const hash = target.indexOf("#");
            const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
            const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
            const file = path === "" ? full : normalize(join(dirname(full), path));
            if (relative(root, file).startsWith("..")) {
                problems.push(`${where}: points outside the repository`);
                continue;
            }
            if (!existsSync(file)) {
                problems.push(`${where}: no such file`);
                continue;
            }
            if (anchor === undefined) continue;
            if (statSync(file).isDirectory() || !file.endsWith(".md")) {
                problems.push(`${where}: an anchor on something that is not a Markdown page`);
            } else if (!anchors(file).has(anchor)) {
                problems.push(`${where}: ${relative(root, file)} has no heading with the anchor #${anchor}`);
            }
        }
    }
    return problems;
}
