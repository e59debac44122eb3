// The programs tests run, found on PATH; one that is missing fails its test with its name and how
// to get it (tools/setup/test-tools.txt lists them; npm test installs them first).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./harness";

interface TestTool {
    readonly command: string;
    readonly debianPackage: string;
    readonly why: string;
}

export function testTools(): TestTool[] {
    return readFileSync(join(repoRoot, "tools", "setup", "test-tools.txt"), "utf8")
        .split("\n")
        .filter((l) => l.trim() && !l.startsWith("#"))
        .map((l) => {
            const [command, debianPackage, ...why] = l.trim().split(/\s+/);
            return { command, debianPackage, why: why.join(" ") };
        });
}

/** The absolute path of a listed tool; an error naming its package when it is not installed. */
export function toolPath(command: string): string {
    const tool = testTools().find((t) => t.command === command && command !== "-");
    if (!tool) throw new Error(`${command} is not listed in tools/setup/test-tools.txt; add it there so that npm test installs it`);
    try {
        // Daemons such as apache2 live in sbin, which a user's PATH may lack.
        return execFileSync("sh", ["-c", `PATH="$PATH:/usr/sbin:/sbin" command -v ${command}`], { encoding: "utf8" }).trim();
    } catch {
        throw new Error(`${command} is not installed (${tool.why}); npm test installs it, or run: sudo apt-get install ${tool.debianPackage}`);
    }
}

/** The Python that runs cloud-init (its shebang), so that its modules and its PyYAML are the ones a test uses. */
export function cloudInitPython(): string {
    return readFileSync(toolPath("cloud-init"), "utf8").split("\n")[0].replace(/^#!\s*/, "").trim();
}
