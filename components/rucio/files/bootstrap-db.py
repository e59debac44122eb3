#!/usr/bin/env python3
# Brings Rucio's database to what the running release needs, and is safe to run again:
#   - an empty database gets Rucio's schema (stamped at the alembic head of the installed Rucio),
#     the base VO and the root account;
#   - a bootstrapped one is upgraded with alembic to that head (a Rucio upgrade), and nothing else
#     changes in its schema;
#   - either way root ends up with a userpass identity that logs in with the current password, so
#     rotating root's password is: change the secret, run this again.
# Nothing is ever dropped or deleted. Single VO only (root, not multi-VO's super_root).
#
# It runs in the rucio/rucio-init image instead of that image's entrypoint, which is not safe to
# run again: its create_base_vo and create_root_account insert rows unconditionally and fail on
# the second run (rucio@40.4.1:lib/rucio/db/sqla/util.py:157-165 and 244-247), and the
# script_location its alembic.ini names is the directory `alembic init` has just made, which holds
# none of Rucio's migrations (rucio/containers@40.4.1:init/docker-entrypoint.sh:18-22,
# init/alembic.ini.j2:3): `upgrade head` applies nothing, and on a stamped database it stops at
# "Can't locate revision". It also leaves out the x509, GSS and SSH identities the stock root
# bootstrap maps to root by default (util.py:175-189 at 40.4.1; always, at 1.31.7: util.py:148-216).
#
# Environment, as the image's RUCIO_CFG_* convention has it (rucio/containers@40.4.1:init/README.md:25-44):
#   RUCIO_CFG_DATABASE_DEFAULT            the SQLAlchemy URL, written as in rucio.cfg (every '%' doubled)
#   RUCIO_CFG_<SECTION>_<OPTION>          any other rucio.cfg option, such as RUCIO_CFG_DATABASE_SCHEMA
#   RUCIO_CFG_BOOTSTRAP_USERPASS_IDENTITY root's userpass username (default root)
#   RUCIO_CFG_BOOTSTRAP_USERPASS_PWD      root's password (required; never written to a file)
#   RUCIO_CFG_BOOTSTRAP_USERPASS_EMAIL    the identity's email (Rucio requires one)
#   SRCNET_DATABASE_WAIT_SECONDS          how long to wait for the database to answer (default 600)
# Python 3.9 (the image's AlmaLinux 9 python3) and Rucio 1.31 (SQLAlchemy 1.4) to 40 (SQLAlchemy 2.0).

import configparser
import hashlib
import importlib.util
import os
import re
import sys
import tempfile
import time
from typing import List, Optional
from urllib.parse import unquote

PREFIX = "RUCIO_CFG_"
BOOTSTRAP_PREFIX = PREFIX + "BOOTSTRAP_"


class BootstrapError(Exception):
    """A problem this script explains itself; its message names no secret."""


def log(message: str) -> None:
    print(message, flush=True)


def secrets_of(env: "os._Environ[str]") -> List[str]:
    """Every form in which a secret of the environment could appear in a message."""
    found = []
    password = env.get(BOOTSTRAP_PREFIX + "USERPASS_PWD", "")
    url = env.get(PREFIX + "DATABASE_DEFAULT", "")
    for value in (password, url, url.replace("%%", "%")):
        if value:
            found.append(value)
    # The database password as written in the URL, percent-encoded or not.
    m = re.match(r"^[^:/]+://[^:/@]*:([^@]*)@", url.replace("%%", "%"))
    if m and m.group(1):
        found.extend([m.group(1), unquote(m.group(1))])
    # Longest first, so that a secret inside another is not left half replaced.
    return sorted({s for s in found if s}, key=len, reverse=True)


def redact(text: str, secrets: List[str]) -> str:
    for s in secrets:
        text = text.replace(s, "***")
    return text


def rucio_config_from_env(env: "os._Environ[str]") -> configparser.ConfigParser:
    """rucio.cfg from RUCIO_CFG_<SECTION>_<OPTION>, as merge_rucio_configs.py --use-env reads the
    single-word sections (rucio@40.4.1:tools/merge_rucio_configs.py:40-59, 115-126); the bootstrap
    section stays out of the file."""
    # Rucio reads rucio.cfg with ConfigParser's default interpolation (rucio@40.4.1:lib/rucio/common/config.py:772):
    # a value is given as written in the file, every literal '%' doubled.
    parser = configparser.ConfigParser()
    for key, value in sorted(env.items()):
        if not key.startswith(PREFIX) or key.startswith(BOOTSTRAP_PREFIX):
            continue
        flat = key[len(PREFIX):].lower()
        if "_" not in flat:
            continue
        section, option = flat.split("_", 1)
        # The check ConfigParser makes on a value (configparser.BasicInterpolation.before_set), whose error quotes it whole.
        if "%" in re.sub(r"%\([^)]*\)s", "", value.replace("%%", "")):
            raise BootstrapError(f"{key} has a '%' that is not doubled: values are given as rucio.cfg holds them, with every '%' written as '%%'")
        if not parser.has_section(section):
            parser.add_section(section)
        parser.set(section, option, value)
    if not parser.has_option("database", "default"):
        raise BootstrapError(f"{PREFIX}DATABASE_DEFAULT is not set: it is the database's SQLAlchemy URL")
    return parser


def rucio_package_dir() -> str:
    # Found without importing Rucio: its modules read rucio.cfg when they are imported.
    spec = importlib.util.find_spec("rucio")
    if spec is None or not spec.submodule_search_locations:
        raise BootstrapError("Rucio is not installed in this Python")
    return list(spec.submodule_search_locations)[0]


def write_config(workdir: str, parser: configparser.ConfigParser) -> str:
    """Writes rucio.cfg and the alembic.ini it points at; returns the path of rucio.cfg."""
    alembic_ini = os.path.join(workdir, "alembic.ini")
    rucio_cfg = os.path.join(workdir, "rucio.cfg")
    if not parser.has_section("alembic"):
        parser.add_section("alembic")
    parser.set("alembic", "cfg", alembic_ini)

    # Rucio's own migrations, from the installed package (rucio@40.4.1:lib/rucio/db/sqla/migrate_repo).
    # Alembic reads its ini with the same interpolation, so the URL goes in as given; logging reads
    # its sections raw. Written without interpolation, so that each value lands as it stands here.
    alembic = configparser.ConfigParser(interpolation=None)
    alembic["alembic"] = {
        "script_location": os.path.join(rucio_package_dir(), "db", "sqla", "migrate_repo"),
        "sqlalchemy.url": parser.get("database", "default", raw=True),
    }
    if parser.has_option("database", "schema"):
        # env.py names the version table's schema from here (rucio@40.4.1:lib/rucio/db/sqla/migrate_repo/env.py:140-153).
        alembic["alembic"]["version_table_schema"] = parser.get("database", "schema", raw=True)
    # env.py configures logging from the ini (env.py:35): alembic's steps are the Job's log.
    alembic["loggers"] = {"keys": "root,alembic"}
    alembic["handlers"] = {"keys": "console"}
    alembic["formatters"] = {"keys": "generic"}
    alembic["logger_root"] = {"level": "WARN", "handlers": "console"}
    alembic["logger_alembic"] = {"level": "INFO", "handlers": "", "qualname": "alembic"}
    alembic["handler_console"] = {"class": "StreamHandler", "args": "(sys.stdout,)", "level": "NOTSET", "formatter": "generic"}
    alembic["formatter_generic"] = {"format": "%(levelname)-5.5s [%(name)s] %(message)s"}

    for path, content in ((alembic_ini, alembic), (rucio_cfg, parser)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            content.write(f)
    return rucio_cfg


def wait_for_database(engine, seconds: int, secrets: List[str]) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    deadline = time.monotonic() + seconds
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except DBAPIError as e:
            if time.monotonic() >= deadline:
                raise BootstrapError(f"the database did not answer within {seconds} s: {redact(str(e.orig), secrets).strip()}")
            log(f"waiting for the database: {redact(str(e.orig), secrets).strip().splitlines()[0]}")
            time.sleep(5)


def current_revisions(engine, schema: Optional[str]) -> Optional[List[str]]:
    """The alembic revisions the database is stamped with; None without Rucio's tables."""
    from sqlalchemy import inspect, text

    inspector = inspect(engine)
    has_version_table = inspector.has_table("alembic_version", schema=schema)
    has_rucio_tables = inspector.has_table("accounts", schema=schema)
    if not has_version_table and not has_rucio_tables:
        return None
    table = f'"{schema}".alembic_version' if schema else "alembic_version"
    rows: List[str] = []
    if has_version_table:
        with engine.connect() as conn:
            rows = [r[0] for r in conn.execute(text(f"SELECT version_num FROM {table}"))]
    if not rows:
        # Tables without a revision: not a database this script made (its build stamps in the same run).
        raise BootstrapError(
            "the database holds Rucio tables but no alembic revision, so its schema version is unknown; "
            "nothing was changed. Stamp it with the revision it is at (alembic stamp <revision>) and run this again"
        )
    return rows


def ensure_schema(alembic_ini: str, schema: Optional[str]) -> None:
    from alembic import command
    from alembic.config import Config

    from rucio import alembicrevision
    from rucio.db.sqla.session import get_engine
    from rucio.db.sqla.util import build_database

    head = alembicrevision.ALEMBIC_REVISION
    engine = get_engine()
    before = current_revisions(engine, schema)
    if before is None:
        # Creates the tables and stamps the head (rucio@40.4.1:lib/rucio/db/sqla/util.py:59-77; the same at 1.31.7: util.py:53-71).
        build_database()
        log(f"schema: created at revision {head}")
    elif before == [head]:
        log(f"schema: at revision {head}, nothing to upgrade")
    else:
        command.upgrade(Config(alembic_ini), "head")
        after = current_revisions(engine, schema)
        if after != [head]:
            raise BootstrapError(f"schema: the upgrade from {','.join(before)} ended at {','.join(after or [])}, not at {head}")
        log(f"schema: upgraded from {','.join(before)} to {head}")


def password_hash(salt: bytes, password: str) -> str:
    # Rucio's userpass hash: sha256 over the salt and the password (rucio@40.4.1:lib/rucio/core/identity.py:55-59
    # and :98-99, the same at 1.31.7: core/identity.py:54-58; checked at login in core/authentication.py:140-144 at 40.4.1).
    return hashlib.sha256(salt + password.encode()).hexdigest()


def ensure_root(username: str, password: str, email: str) -> None:
    from sqlalchemy import select

    from rucio.common.types import InternalAccount
    from rucio.db.sqla import models
    from rucio.db.sqla.constants import AccountStatus, AccountType, IdentityType
    from rucio.db.sqla.session import get_session
    from rucio.db.sqla.util import create_base_vo

    try:
        from rucio.common.constants import DEFAULT_VO  # Rucio 40 (util.py:36 at 40.4.1)
    except ImportError:
        DEFAULT_VO = "def"  # Rucio 1.31 writes the literal (util.py:135 at 1.31.7)

    with get_session()() as s:
        has_vo = s.execute(select(models.VO).where(models.VO.vo == DEFAULT_VO)).scalar() is not None
    if has_vo:
        log(f"vo {DEFAULT_VO}: present")
    else:
        create_base_vo()
        log(f"vo {DEFAULT_VO}: created")

    root = InternalAccount("root", vo=DEFAULT_VO)
    with get_session()() as s, s.begin():
        if s.execute(select(models.Account).where(models.Account.account == root)).scalar() is None:
            # As the stock bootstrap makes it (util.py:198 at 40.4.1; util.py:183 at 1.31.7).
            s.add(models.Account(account=root, account_type=AccountType.SERVICE, status=AccountStatus.ACTIVE))
            s.flush()
            log("account root: created")
        else:
            log("account root: present")

        identity = s.execute(
            select(models.Identity).where(models.Identity.identity == username, models.Identity.identity_type == IdentityType.USERPASS)
        ).scalar()
        if identity is None:
            salt = os.urandom(255)
            s.add(models.Identity(identity=username, identity_type=IdentityType.USERPASS, password=password_hash(salt, password), salt=salt, email=email))
            s.flush()
            log(f"identity {username} (userpass): created")
        elif identity.salt is not None and identity.password == password_hash(bytes(identity.salt), password):
            log(f"identity {username} (userpass): password unchanged")
        else:
            salt = os.urandom(255)
            identity.salt = salt
            identity.password = password_hash(salt, password)
            log(f"identity {username} (userpass): password updated")

        mapping = s.execute(
            select(models.IdentityAccountAssociation).where(
                models.IdentityAccountAssociation.identity == username,
                models.IdentityAccountAssociation.identity_type == IdentityType.USERPASS,
                models.IdentityAccountAssociation.account == root,
            )
        ).scalar()
        if mapping is None:
            s.add(models.IdentityAccountAssociation(identity=username, identity_type=IdentityType.USERPASS, account=root, is_default=True))
            log(f"identity {username} -> account root: created")
        else:
            log(f"identity {username} -> account root: present")


def main() -> int:
    env = os.environ
    secrets = secrets_of(env)
    try:
        password = env.get(BOOTSTRAP_PREFIX + "USERPASS_PWD", "")
        if not password:
            raise BootstrapError(f"{BOOTSTRAP_PREFIX}USERPASS_PWD is not set: it is root's password")
        username = env.get(BOOTSTRAP_PREFIX + "USERPASS_IDENTITY") or "root"
        email = env.get(BOOTSTRAP_PREFIX + "USERPASS_EMAIL") or "root@localhost"
        wait_seconds = int(env.get("SRCNET_DATABASE_WAIT_SECONDS", "600"))
        parser = rucio_config_from_env(env)
        schema = parser.get("database", "schema") if parser.has_option("database", "schema") else None
        # The database URL is in these files: a private directory, removed at the end.
        with tempfile.TemporaryDirectory(prefix="rucio-bootstrap-") as workdir:
            os.environ["RUCIO_CONFIG"] = write_config(workdir, parser)
            from rucio.db.sqla.session import get_engine

            wait_for_database(get_engine(), wait_seconds, secrets)
            ensure_schema(os.path.join(workdir, "alembic.ini"), schema)
            ensure_root(username, password, email)
        log("bootstrap: done")
        return 0
    except BootstrapError as e:
        print(f"bootstrap failed: {redact(str(e), secrets)}", file=sys.stderr, flush=True)
        return 1
    except Exception as e:  # noqa: BLE001 - any failure ends the run with a message that names no secret
        # A database error's text carries its statement's parameters (a hash, a salt): only the driver's message.
        cause = getattr(e, "orig", None) or e
        print(f"bootstrap failed: {type(e).__name__}: {redact(str(cause), secrets).strip()}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
