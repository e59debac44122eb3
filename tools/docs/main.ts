// npm run schema: regenerate config/site.schema.json and the generated blocks of README.md and docs/.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generate } from "./generated";

async function main(): Promise<void> {
    const root = resolve(__dirname, "..", "..", "..");
    const files = await generate(root);
    for (const [path, content] of Object.entries(files)) {
        const full = join(root, path);
        const before = existsSync(full) ? readFileSync(full, "utf8") : undefined;
        if (before !== content) {
            writeFileSync(full, content);
            console.log(`updated ${path}`);
        } else {
            console.log(`${path} is current`);
        }
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
});
