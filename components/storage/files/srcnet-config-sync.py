#!/usr/bin/python3
"""Applies the storage node's configuration from its OpenStack instance metadata.

srcnet-site renders the node's configuration files into a JSON bundle and stores it, in chunks,
as instance metadata. Nova updates metadata in place, so changing a storage area or an issuer
does not rebuild the node: this agent (run at boot and by a timer) fetches the bundle, writes
the files that differ, removes the ones no longer wanted, and runs the actions they name.
"""
import argparse
import hashlib
import json
import os
import pwd
import grp
import subprocess
import sys
import tempfile
import time
import urllib.request

CHUNK_PREFIX = "srcnet-config-"
DIGEST_KEY = "srcnet-config-sha256"
DEFAULT_URL = "http://169.254.169.254/openstack/latest/meta_data.json"
# Actions that failed are kept here and retried on the next run, so a change is never half applied.
PENDING = "/var/lib/srcnet-config-sync/pending-actions.json"


def log(message):
    print("srcnet-config-sync: " + message, flush=True)


def fetch_metadata(url, attempts=5):
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return json.load(response).get("meta", {})
        except (OSError, ValueError) as error:
            if attempt == attempts - 1:
                raise
            log("metadata not readable yet (%s); retrying" % error)
            time.sleep(2 ** attempt)
    return {}


def read_bundle(meta):
    chunks = sorted(
        (int(key[len(CHUNK_PREFIX):]), value)
        for key, value in meta.items()
        if key.startswith(CHUNK_PREFIX) and key[len(CHUNK_PREFIX):].isdigit()
    )
    if not chunks:
        raise ValueError("the instance metadata holds no configuration bundle")
    text = "".join(value for _, value in chunks)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if meta.get(DIGEST_KEY) != digest:
        raise ValueError("the bundle's digest does not match; metadata is being updated, try again")
    bundle = json.loads(text)
    if bundle.get("version") != 1:
        raise ValueError("unknown bundle version %r" % bundle.get("version"))
    return bundle


def owner_ids(owner):
    user, _, group = owner.partition(":")
    return pwd.getpwnam(user).pw_uid, grp.getgrnam(group or user).gr_gid


def under(root, path):
    return os.path.join(root, path.lstrip("/"))


def ensure_directory(root, spec):
    path = under(root, spec["path"])
    os.makedirs(path, exist_ok=True)
    uid, gid = owner_ids(spec["owner"])
    stat = os.stat(path)
    mode = int(spec["mode"], 8)
    if (stat.st_uid, stat.st_gid) != (uid, gid):
        os.chown(path, uid, gid)
    if stat.st_mode & 0o7777 != mode:
        os.chmod(path, mode)


def write_file(root, spec):
    """Writes a file when its content, mode or owner differ; returns True when it changed."""
    path = under(root, spec["path"])
    content = spec["content"].encode("utf-8")
    mode = int(spec["mode"], 8)
    uid, gid = owner_ids(spec["owner"])
    try:
        stat = os.stat(path)
        with open(path, "rb") as current:
            if current.read() == content and stat.st_mode & 0o7777 == mode and (stat.st_uid, stat.st_gid) == (uid, gid):
                return False
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Written beside the target and renamed over it, so a reader never sees half a file.
    handle, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".srcnet-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.chown(temporary, uid, gid)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    return True


def prune(root, rule, wanted):
    """Removes files in a managed directory that the bundle no longer lists."""
    directory = under(root, rule["directory"])
    removed = []
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if name.endswith(rule["suffix"]) and os.path.isfile(path) and path not in wanted:
                os.unlink(path)
                removed.append(path)
    return removed


def apply(bundle, root):
    """Brings the files in line with the bundle; returns the names of the actions now due."""
    due = []

    def need(action):
        if action and action not in due:
            due.append(action)

    for spec in bundle.get("directories", []):
        ensure_directory(root, spec)
    wanted = set()
    for spec in bundle.get("files", []):
        wanted.add(under(root, spec["path"]))
        if write_file(root, spec):
            log("updated " + spec["path"])
            need(spec.get("then"))
    for rule in bundle.get("prune", []):
        for path in prune(root, rule, wanted):
            log("removed " + path)
            need(rule.get("then"))
    return due


def load_pending(root):
    try:
        with open(under(root, PENDING)) as f:
            return json.load(f)
    except (FileNotFoundError, ValueError):
        return []


def save_pending(root, names):
    path = under(root, PENDING)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(names, f)


def run_actions(bundle, due):
    """Runs the due actions; returns the ones that failed."""
    actions = bundle.get("actions", {})
    failed = []
    for name in due:
        command = actions.get(name)
        if command is None:
            log("no command for action %s" % name)
            failed.append(name)
            continue
        log("running %s: %s" % (name, " ".join(command)))
        if subprocess.call(command) != 0:
            log("action %s failed; it is retried on the next run" % name)
            failed.append(name)
    return failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metadata-url", default=os.environ.get("SRCNET_METADATA_URL", DEFAULT_URL))
    parser.add_argument("--root", default="/", help="apply under this directory instead of /")
    parser.add_argument("--no-actions", action="store_true", help="write files only (first boot, before services start)")
    args = parser.parse_args()
    try:
        bundle = read_bundle(fetch_metadata(args.metadata_url))
        changed = apply(bundle, args.root)
    except (OSError, ValueError, KeyError) as error:
        log("error: %s" % error)
        return 1
    if args.no_actions:
        if changed:
            log("actions skipped: " + ", ".join(changed))
        return 0
    due = load_pending(args.root)
    due += [name for name in changed if name not in due]
    if not due:
        log("configuration is current")
        return 0
    failed = run_actions(bundle, due)
    save_pending(args.root, failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
