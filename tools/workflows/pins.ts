// The one record of the actions the workflows use: each at one release, pinned by the commit that
// release's tag points to, with the input names of that release's action.yml. The workflows
// write `uses: OWNER/REPO@SHA # vX.Y.Z`; test/workflows.test.ts holds every `uses:` to this table
// and every `with:` to the inputs listed here. To move an action to another release: read the
// tag's commit and its action.yml in a clone of the action's repository
// (`git rev-parse vX.Y.Z^{commit}`, `git show vX.Y.Z:action.yml`), change the entry here, then
// every workflow that uses it.

export interface ActionPin {
    /** The release tag. */
    readonly version: string;
    /** The commit the tag points to (40 hex digits). */
    readonly sha: string;
    /** The release's input names (action.yml `inputs:`). */
    readonly inputs: readonly string[];
    /** Inputs the action requires that have no default. */
    readonly required?: readonly string[];
}

export const actionPins: Readonly<Record<string, ActionPin>> = {
    "actions/checkout": {
        version: "v7.0.1",
        sha: "3d3c42e5aac5ba805825da76410c181273ba90b1",
        inputs: [
            "repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials", "path", "clean",
            "filter", "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules",
            "set-safe-directory", "github-server-url", "allow-unsafe-pr-checkout",
        ],
    },
    "actions/setup-node": {
        version: "v7.0.0",
        sha: "820762786026740c76f36085b0efc47a31fe5020",
        inputs: [
            "node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache",
            "package-manager-cache", "cache-dependency-path", "mirror", "mirror-token",
        ],
    },
    "actions/upload-artifact": {
        version: "v7.0.0",
        sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
        inputs: ["name", "path", "if-no-files-found", "retention-days", "compression-level", "overwrite", "include-hidden-files", "archive"],
        required: ["path"],
    },
    "actions/download-artifact": {
        version: "v8.0.1",
        sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        inputs: ["name", "artifact-ids", "path", "pattern", "merge-multiple", "github-token", "repository", "run-id", "skip-decompress", "digest-mismatch"],
    },
    "actions/github-script": {
        version: "v8.0.0",
        sha: "ed597411d8f924073f98dfc5c65a23a2325f34cd",
        inputs: ["script", "github-token", "debug", "user-agent", "previews", "result-encoding", "retries", "retry-exempt-status-codes", "base-url"],
        required: ["script"],
    },
    "pulumi/actions": {
        version: "v7.0.0",
        sha: "8e5e406f4007fca908480587cb9893c07090f58d",
        inputs: [
            "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number",
            "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map", "expect-no-changes",
            "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh",
            "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress",
            "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug",
        ],
    },
    "docker/setup-buildx-action": {
        version: "v3.10.0",
        sha: "b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2",
        inputs: [
            "version", "driver", "driver-opts", "buildkitd-flags", "buildkitd-config", "buildkitd-config-inline", "install", "use", "endpoint",
            "platforms", "append", "cache-binary", "cleanup", "config", "config-inline",
        ],
    },
    "docker/login-action": {
        version: "v3.4.0",
        sha: "74a5d142397b4f367a81961eba4e8cd7edddf772",
        inputs: ["registry", "username", "password", "ecr", "logout"],
    },
    "docker/build-push-action": {
        version: "v6.15.0",
        sha: "471d1dc4e07e5cdedd4c2171150001c434f0b7a4",
        inputs: [
            "add-hosts", "allow", "annotations", "attests", "build-args", "build-contexts", "builder", "cache-from", "cache-to", "call",
            "cgroup-parent", "context", "file", "labels", "load", "network", "no-cache", "no-cache-filters", "outputs", "platforms",
            "provenance", "pull", "push", "sbom", "secrets", "secret-envs", "secret-files", "shm-size", "ssh", "tags", "target", "ulimit",
            "github-token",
        ],
    },
};
