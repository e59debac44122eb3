// Files shipped with the program (scripts a VM runs): found from the project root, so that the
// same code reads them when run from bin/ (tests, synth) and from source (pulumi up, ts-node).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let root: string | undefined;

/** The directory of the project's Pulumi.yaml. */
export function projectRoot(): string {
    return (root ??= findRoot());
}

function findRoot(): string {
    let dir = __dirname;
    while (!existsSync(join(dir, "Pulumi.yaml"))) {
        const parent = dirname(dir);
        if (parent === dir) throw new Error(`no Pulumi.yaml above ${__dirname}`);
        dir = parent;
    }
    return dir;
}

/** The text of a file in the project, by its path from the project root. */
export function projectFile(path: string): string {
    return readFileSync(join(projectRoot(), path), "utf8");
}
