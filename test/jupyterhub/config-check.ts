// hubAuthConfig's text as the real classes read it: Debian's Python compiles it, traitlets loads
// it after what z2jh's own jupyterhub_config.py sets first (load_roles = [], then its roles), and
// every trait it sets is looked up on the real class of its section (JupyterHub 3.0, oauthenticator
// 17.4, the site's authenticator), which is then built from the configuration, so a wrong type fails.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { debianPython, oauthenticatorDir } from "./hub-process";

const checker = String.raw`
import json, sys
from traitlets.config import Config
from jupyterhub import scopes
from jupyterhub.app import JupyterHub
from jupyterhub.auth import Authenticator

c = Config()
# As z2jh's jupyterhub_config.py leaves it (files/hub/jupyterhub_config.py:365-439): a list of roles.
c.JupyterHub.load_roles = json.loads(sys.argv[2])
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), {"c": c, "__name__": "config"})
auth_class = JupyterHub(config=c).authenticator_class
classes = {"JupyterHub": JupyterHub, "Authenticator": Authenticator, auth_class.__name__: auth_class}
unknown = [f"{section}.{key}" for section in c for key in c[section] if section not in classes or key not in classes[section].class_traits(config=True)]
auth = auth_class(config=c)
scopes.define_custom_scopes(c.JupyterHub.custom_scopes)
for role in c.JupyterHub.load_roles:
    scopes._check_scopes_exist(role["scopes"], who_for=role["name"])
print(json.dumps({
    "unknown": unknown,
    "authenticator": f"{auth_class.__module__}.{auth_class.__name__}",
    "values": {k: (sorted(v) if isinstance(v, set) else v) for k, v in ((k, getattr(auth, k)) for k in c[auth_class.__name__] if hasattr(auth, k))},
    "authenticator_section": {k: getattr(auth, k) for k in c["Authenticator"]},
    "roles": c.JupyterHub.load_roles,
    "custom_scopes": sorted(c.JupyterHub.custom_scopes),
}))
`;

export interface ConfigView {
    readonly unknown: string[];
    readonly authenticator: string;
    readonly values: Record<string, unknown>;
    readonly authenticator_section: Record<string, unknown>;
    readonly roles: Array<{ name: string; scopes: string[] }>;
    readonly custom_scopes: string[];
}

/** Loads `configText` as the hub would (with `env` for its secrets) and reports what the classes saw. */
export function loadHubConfig(configText: string, env: Record<string, string>, existingRoles: unknown[] = []): ConfigView {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-hub-config-"));
    try {
        const file = join(dir, "jupyterhub_config.py");
        writeFileSync(file, configText);
        const out = execFileSync(debianPython, ["-c", checker, file, JSON.stringify(existingRoles)], { encoding: "utf8", env: { PATH: "/usr/bin:/bin", PYTHONPATH: oauthenticatorDir, ...env } });
        return JSON.parse(out.trim().split("\n").at(-1)!);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** Whether Debian's Python compiles the text (a syntax error is the message, else undefined). */
export function compileError(text: string): string | undefined {
    try {
        execFileSync(debianPython, ["-c", "import sys; compile(sys.stdin.read(), 'jupyterhub_config.py', 'exec')"], { input: text, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
        return undefined;
    } catch (err) {
        return String((err as { stderr?: string }).stderr ?? err);
    }
}
