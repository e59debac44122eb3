// The program's YAML writer, read back by the YAML 1.1 readers its files meet: PyYAML (cloud-init,
// openstacksdk; installed with cloud-init) and the `yaml` library in 1.1 mode (as Helm's and
// Kubernetes' Go readers take scalars). Every string must come back as the string it was.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { parse } from "yaml";
import { parseYaml, yamlText } from "../components/yaml-text";

// Strings that a YAML 1.1 reader turns into something else when they are written bare.
const ambiguous = [
    "yes", "No", "ON", "off", "y", "N", "True", "false", "null", "Null", "~", "",
    "0777", "0o17", "0x1F", "0b101", "1_000", "+12", "-0", "08", "1:30", "190:20:30",
    "1e3", "1.5e3", ".5", "+.5", "1.37.0", ".inf", "-.Inf", ".NaN", "1_0.5",
    "2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
    "<<", "=", "- item", "key: value", "#comment", " leading", "trailing ", "*alias", "&anchor", "!tag", "@at", "`tick",
];

function readByPyYaml(text: string): unknown {
    const script = "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin.read()), sys.stdout)";
    return JSON.parse(execFileSync("python3", ["-c", script], { input: text, encoding: "utf8" }));
}

describe("yamlText: YAML for 1.1 readers", () => {
    const doc = {
        values: ambiguous,
        keys: Object.fromEntries(ambiguous.map((s, i) => [s || `empty-${i}`, i])),
        numbers: [0, 1, -2, 1.5, 0.25, 1e-7, 65535],
        flags: [true, false, null],
    };
    const text = yamlText(doc);

    it("writes every ambiguous string so that PyYAML reads the same string", () => {
        expect(readByPyYaml(text)).to.deep.equal(doc);
    });

    it("writes every ambiguous string so that a 1.1 reader of the Go kind reads the same string", () => {
        expect(parse(text, { version: "1.1" })).to.deep.equal(doc);
        expect(parseYaml(text)).to.deep.equal(doc);
    });

    it("quotes only what needs it: a plain name, a path and a URL stay bare", () => {
        expect(yamlText({ name: "storm", path: "/etc/srcnet/node.env", url: "https://rucio.dev.srcnet.example.org/ping" })).to.equal(
            "name: storm\npath: /etc/srcnet/node.env\nurl: https://rucio.dev.srcnet.example.org/ping\n",
        );
    });

    it("writes a multi-line text as a literal block, a long line unfolded, and a shared object twice, not as an alias", () => {
        const shared = { a: 1 };
        const long = "x".repeat(200);
        const written = yamlText({ script: "#!/bin/bash\necho hi\n", long, first: shared, second: shared });
        expect(written).to.equal(`script: |\n  #!/bin/bash\n  echo hi\nlong: ${long}\nfirst:\n  a: 1\nsecond:\n  a: 1\n`);
        expect(written).not.to.match(/[&*]ref/);
    });

    it("reads an unquoted date or time as the string it is, as the Pulumi CLI reads a stack file", () => {
        expect(parseYaml("targetTime: 2026-05-01T12:00:00Z\nday: 2026-08-24\n")).to.deep.equal({ targetTime: "2026-05-01T12:00:00Z", day: "2026-08-24" });
    });

    it("leaves out keys whose value is undefined", () => {
        expect(yamlText({ kept: "x", dropped: undefined })).to.equal("kept: x\n");
    });
});
