// Preloaded into a synth run by the bench (node -r): on exit, prints the @pulumi packages the
// program loaded, so that the floor loads exactly those and nothing the program does not use.
import { sep } from "node:path";

process.on("exit", () => {
    const marker = `${sep}node_modules${sep}@pulumi${sep}`;
    const packages = new Set<string>();
    for (const file of Object.keys(require.cache)) {
        const at = file.lastIndexOf(marker);
        if (at >= 0) packages.add(`@pulumi/${file.slice(at + marker.length).split(sep)[0]}`);
    }
    process.stderr.write(`\nbench-loaded-packages ${JSON.stringify([...packages].sort())}\n`);
});
