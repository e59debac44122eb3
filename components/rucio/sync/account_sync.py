#!/usr/bin/env python3
"""Gives every IAM user of the site a Rucio account, and suspends the accounts of users who left.

Run on a schedule (a Kubernetes CronJob in the rucio-init image), Python 3.9+ standard library
only. Each run reads all users from IAM's SCIM API and makes Rucio hold, through its REST API:

- for each active IAM user in the allowed groups (every active user when none are set): an
  account of type USER with the user's email; the OIDC identity Rucio looks up when the user logs
  in with an IAM token, as the default for that identity; the scope user.<account>; a limit on
  the site RSE when the account has none there (a limit already set, raised or lowered by an
  admin, stays); the account attribute managed_by=iam-account-sync, which marks the accounts this
  sync manages; and the attribute admin exactly when the user's IAM username is listed in
  SYNC_ADMINS;
- each managed account whose user is gone from IAM, disabled there, or no longer in the allowed
  groups is suspended (its admin attribute removed first), never deleted: its data, rules and
  scope stay. A user who comes back gets the same account back, reactivated.

Account names (deterministic and collision-safe): the IAM username in lower case, with every
character outside a-z, 0-9, '_' and '-' replaced by '-'. Rucio allows 25 characters, and the
scope user.<account> at most 25 too, so a name is at most 20 characters. A user's candidates
are, in order: that name (if it fits), its first 13 characters + '-' + 6 hex digits of
SHA-256(sub), its first 9 characters + '-' + 10 hex digits of SHA-256(sub). The user's account
is the first candidate that already carries the user's identity, else the first that does not
exist yet (created), else an existing account that has no identity at all and the user's email
(an interrupted earlier creation). A candidate that belongs to someone else (another identity, a
deleted account, root) is skipped. Users are taken oldest first (SCIM meta.created), so the
first of two users whose usernames normalise alike keeps the plain name. A user whose IAM
username changed keeps the active managed account that carries their identity.

IAM decides who has an account: to keep a user out, disable them in IAM or take them out of the
groups. An account of a user the sync serves that someone suspended in Rucio is reactivated.

It speaks to Rucio 40 (what the site deploys) and Rucio 1.31 (the test server); where their REST
APIs differ, the code handles both and says how.

Idempotent: a second run changes nothing. Transient errors (no answer, 5xx, 429) are retried
with backoff; a failure for one user does not stop the others; the exit status is 1 when
anything failed, 2 when the configuration is incomplete. One log line per change; no token,
secret or password is ever printed.

Environment:
  SYNC_IAM_ISSUER           IAM's issuer exactly as in its tokens' iss claim (trailing slash
                            included); its discovery document gives the token endpoint.
  SYNC_IAM_CLIENT_ID        The sync's IAM client: grant client_credentials, scope scim:read.
  SYNC_IAM_CLIENT_SECRET    Its secret.
  SYNC_RUCIO_URL            The Rucio server.
  SYNC_RUCIO_AUTH_URL       The Rucio auth server (default: SYNC_RUCIO_URL).
  SYNC_RUCIO_ACCOUNT        The Rucio account the sync acts as (default: root); it needs admin rights.
  SYNC_RUCIO_USERNAME       Its userpass username.
  SYNC_RUCIO_PASSWORD       Its userpass password.
  SYNC_ALLOWED_GROUPS       Comma-separated IAM groups whose members get accounts, as full paths
                            with or without the leading '/' (the wlcg.groups claim's form,
                            /skao/uksrc, or IAM's group name, skao/uksrc); empty: every user.
  SYNC_ADMINS               Comma-separated IAM usernames whose accounts get the admin attribute.
  SYNC_RSE                  The site RSE that new accounts get a limit on.
  SYNC_DEFAULT_QUOTA_BYTES  That limit, in bytes (-1: no limit).
  SYNC_CA_BUNDLE            A PEM file of the CAs to trust for IAM and Rucio (default: the system's).
  SYNC_SCIM_PAGE_SIZE       Users asked for per SCIM page (default 100, IAM's maximum).
  SYNC_ATTEMPTS             Tries per request before giving up on a transient error (default 5).
  SYNC_RETRY_SECONDS        The first wait before a retry, doubled each time (default 1).
  SYNC_TIMEOUT_SECONDS      Per request (default 30).
"""
import base64
import collections
import hashlib
import http.client
import json
import os
import re
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PROGRAM = "iam-account-sync"
# The marker of a managed account: Rucio's account attribute keys and values are 1 to 30 of
# [a-zA-Z0-9-_/.] (rucio/rucio@40.4.1:lib/rucio/common/schema/generic.py:368-370).
MANAGED_KEY = "managed_by"
MANAGED_VALUE = "iam-account-sync"
# Rucio's permission checks look only for this attribute's key
# (rucio/rucio@40.4.1:lib/rucio/core/permission/generic.py:145).
ADMIN_KEY = "admin"
ADMIN_VALUE = "True"
# Account names: ^[a-z0-9-_]+$, at most 25 (generic.py:16-21); scopes at most 25 (generic.py:43-48),
# so that user.<account> is a valid scope the account is at most 20.
ACCOUNT_MAX = 25 - len("user.")
NOT_ACCOUNT_CHARS = re.compile(r"[^a-z0-9_-]")


class ConfigError(Exception):
    pass


class SyncError(Exception):
    """A failure this run reports and counts, with a message that holds no secret."""


Config = collections.namedtuple(
    "Config",
    "issuer client_id client_secret rucio_url auth_url account username password "
    "allowed_groups admins rse quota ca_bundle page_size attempts retry_seconds timeout",
)


def split_list(value):
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def group_name(group):
    """An IAM group as IAM names it (skao/uksrc), from either form."""
    return group.strip().strip("/")


def read_config(env):
    def need(name, secret=False):
        value = env.get(name, "")
        if not value.strip():
            raise ConfigError("%s is not set" % name)
        # A secret is used as it is; a setting loses stray blanks.
        return value if secret else value.strip()

    def number(name, default, kind=int):
        raw = env.get(name, "").strip()
        try:
            return kind(raw) if raw else default
        except ValueError:
            raise ConfigError("%s is not a number: %r" % (name, raw))

    quota = number("SYNC_DEFAULT_QUOTA_BYTES", None)
    if quota is None or quota < -1:
        raise ConfigError("SYNC_DEFAULT_QUOTA_BYTES must be a number of bytes (or -1 for no limit)")
    rucio_url = need("SYNC_RUCIO_URL").rstrip("/")
    return Config(
        issuer=need("SYNC_IAM_ISSUER"),
        client_id=need("SYNC_IAM_CLIENT_ID"),
        client_secret=need("SYNC_IAM_CLIENT_SECRET", secret=True),
        rucio_url=rucio_url,
        auth_url=(env.get("SYNC_RUCIO_AUTH_URL", "").strip() or rucio_url).rstrip("/"),
        account=env.get("SYNC_RUCIO_ACCOUNT", "").strip() or "root",
        username=need("SYNC_RUCIO_USERNAME"),
        password=need("SYNC_RUCIO_PASSWORD", secret=True),
        allowed_groups=frozenset(group_name(g) for g in split_list(env.get("SYNC_ALLOWED_GROUPS"))),
        admins=frozenset(split_list(env.get("SYNC_ADMINS"))),
        rse=need("SYNC_RSE"),
        quota=quota,
        ca_bundle=env.get("SYNC_CA_BUNDLE", "").strip() or None,
        page_size=max(1, number("SYNC_SCIM_PAGE_SIZE", 100)),
        attempts=max(1, number("SYNC_ATTEMPTS", 5)),
        retry_seconds=max(0.0, number("SYNC_RETRY_SECONDS", 1.0, float)),
        timeout=max(1.0, number("SYNC_TIMEOUT_SECONDS", 30.0, float)),
    )


class Log:
    """Every line goes through here, with each secret the run knows replaced by ***."""

    def __init__(self):
        self.secrets = set()
        self.changes = 0
        self.failures = 0

    def hide(self, value):
        if value and len(value) >= 4:
            self.secrets.add(value)

    def clean(self, text):
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def info(self, message):
        print(self.clean("%s: %s" % (PROGRAM, message)), flush=True)

    def change(self, message):
        self.changes += 1
        self.info(message)

    def error(self, message):
        self.failures += 1
        print(self.clean("%s: error: %s" % (PROGRAM, message)), file=sys.stderr, flush=True)


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body.strip() else None

    def lines(self):
        """Rucio's streamed lists: one JSON value a line."""
        return [json.loads(line) for line in self.body.splitlines() if line.strip()]

    def exception_class(self):
        """Rucio's errors are JSON {ExceptionClass, ExceptionMessage}; an unknown route is not."""
        try:
            body = json.loads(self.body)
        except ValueError:
            return None
        return body.get("ExceptionClass") if isinstance(body, dict) else None

    def summary(self):
        try:
            body = json.loads(self.body)
        except ValueError:
            return "HTTP %d" % self.status
        if isinstance(body, dict):
            for kind, text in (("ExceptionClass", "ExceptionMessage"), ("error", "error_description")):
                if kind in body:
                    detail = body.get(text)
                    return "HTTP %d %s%s" % (self.status, body.get(kind), ": %s" % detail if detail else "")
        return "HTTP %d" % self.status


def read_quietly(error):
    """An error's body, or nothing when the connection broke while it was read."""
    try:
        return error.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return ""


class Http:
    """HTTP with retries: no answer, 5xx and 429 are retried with backoff; other statuses are returned."""

    def __init__(self, config, log):
        self.config = config
        self.log = log
        context = ssl.create_default_context(cafile=config.ca_bundle) if config.ca_bundle else ssl.create_default_context()
        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))

    def request(self, method, url, headers=None, body=None):
        data = None
        headers = dict(headers or {})
        if isinstance(body, dict):
            data = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        where = "%s %s" % (method, url.split("?")[0])
        wait = self.config.retry_seconds
        for attempt in range(1, self.config.attempts + 1):
            problem = None
            try:
                request = urllib.request.Request(url, data=data, headers=headers, method=method)
                with self.opener.open(request, timeout=self.config.timeout) as response:
                    return Answer(response.status, response.headers, response.read().decode("utf-8", "replace"))
            except urllib.error.HTTPError as error:
                answer = Answer(error.code, error.headers, read_quietly(error))
                if error.code < 500 and error.code != 429:
                    return answer
                problem = answer.summary()
                retry_after = (error.headers or {}).get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, min(float(retry_after), 60.0))
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                reason = getattr(error, "reason", error)
                # A certificate that does not verify will not verify on the next try either.
                if isinstance(reason, ssl.SSLCertVerificationError):
                    raise SyncError("%s: the server's certificate does not verify: %s" % (where, reason.verify_message or reason))
                problem = str(reason) or type(error).__name__
            if attempt == self.config.attempts:
                raise SyncError("%s failed after %d attempts: %s" % (where, attempt, problem))
            self.log.info("%s: %s; retrying in %.1f s" % (where, problem, wait))
            time.sleep(wait)
            wait *= 2
        raise SyncError("%s: no attempts" % where)


def names_issuer(discovered, issuer):
    """Whether IAM's discovery document is that of the issuer its tokens carry. The identities are
    made from SYNC_IAM_ISSUER, which must be the tokens' iss byte for byte
    (indigo-iam/iam@v1.12.0:iam-login-service/src/main/java/it/infn/mw/iam/core/oauth/profile/common/BaseAccessTokenBuilder.java:153);
    IAM's discovery adds a trailing slash to it when it has none (core/web/wellknown/IamWellKnownInfoProvider.java:158-172)."""
    return discovered in (issuer, issuer + "/")


def quote(part):
    return urllib.parse.quote(part, safe="")


class Iam:
    def __init__(self, config, http, log):
        self.config = config
        self.http = http
        self.log = log
        self.token = None
        self.scim_url = None

    def login(self):
        """Discovery, then a client-credentials token for scim:read."""
        discovery_url = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        answer = self.http.request("GET", discovery_url, {"Accept": "application/json"})
        if answer.status != 200:
            raise SyncError("IAM discovery at %s answered %s" % (discovery_url, answer.summary()))
        discovery = answer.json()
        if not names_issuer(discovery.get("issuer"), self.config.issuer):
            raise SyncError("IAM's discovery names the issuer %r, not SYNC_IAM_ISSUER %r" % (discovery.get("issuer"), self.config.issuer))
        self.scim_url = (discovery.get("scim_endpoint") or self.config.issuer.rstrip("/") + "/scim").rstrip("/")
        # IAM reads client_secret_basic without form-decoding the ID and secret
        # (spring-security 5.6.10 BasicAuthenticationConverter.java:78-101, as IAM 1.12.0 uses it), so
        # they are sent as they are.
        basic = base64.b64encode(("%s:%s" % (self.config.client_id, self.config.client_secret)).encode("utf-8")).decode("ascii")
        answer = self.http.request(
            "POST",
            discovery["token_endpoint"],
            {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            urllib.parse.urlencode({"grant_type": "client_credentials", "scope": "scim:read"}),
        )
        if answer.status != 200:
            raise SyncError("IAM refused a token to client %s: %s" % (self.config.client_id, answer.summary()))
        self.token = answer.json()["access_token"]
        self.log.hide(self.token)

    def users(self):
        """Every IAM user, page by page (startIndex is 1-based; IAM caps count at 100:
        indigo-iam/iam@v1.12.0:iam-login-service/src/main/java/it/infn/mw/iam/api/scim/controller/ScimControllerSupport.java:23,35-66).
        A listing whose total changes on the way is started again, so that no user is missed."""
        for _ in range(3):
            users, total, start, stable = {}, None, 1, True
            while True:
                url = "%s/Users?startIndex=%d&count=%d" % (self.scim_url, start, self.config.page_size)
                answer = self.http.request("GET", url, {"Authorization": "Bearer " + self.token, "Accept": "application/scim+json"})
                if answer.status != 200:
                    raise SyncError("IAM's SCIM API answered %s" % answer.summary())
                page = answer.json()
                if total is not None and page.get("totalResults") != total:
                    stable = False
                    break
                total = page.get("totalResults", 0)
                resources = page.get("Resources") or []
                for user in resources:
                    users[user["id"]] = user
                start += len(resources)
                if not resources or start > total:
                    break
            if stable and len(users) >= total:
                return list(users.values())
            self.log.info("IAM's users changed while they were listed; listing them again")
        raise SyncError("IAM's user list kept changing while it was read")


class Rucio:
    def __init__(self, config, http, log):
        self.config = config
        self.http = http
        self.log = log
        self.token = None
        # Rucio 40 lists the accounts of an identity whatever their status (GET /identities/accounts,
        # rucio/rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/identities.py:267-340); Rucio 1.31 has no
        # such route, and lists active accounts only (GET /accounts/?identity=).
        self.identity_route = True

    def login(self):
        answer = self.http.request(
            "GET",
            self.config.auth_url + "/auth/userpass",
            {"X-Rucio-Account": self.config.account, "X-Rucio-Username": self.config.username, "X-Rucio-Password": self.config.password},
        )
        token = answer.headers.get("X-Rucio-Auth-Token") if answer.headers else None
        if answer.status != 200 or not token:
            raise SyncError("Rucio refused the userpass login of account %s: %s" % (self.config.account, answer.summary()))
        self.token = token
        self.log.hide(token)

    def call(self, method, path, body=None):
        for attempt in (1, 2):
            answer = self.http.request(method, self.config.rucio_url + path, {"X-Rucio-Auth-Token": self.token, "Accept": "application/json, application/x-json-stream"}, body)
            # A token that expired during a long run: log in again once.
            if answer.status == 401 and answer.exception_class() == "CannotAuthenticate" and attempt == 1:
                self.login()
                continue
            return answer
        return answer

    def expect(self, answer, what, *statuses):
        if answer.status not in statuses:
            raise SyncError("%s: Rucio answered %s" % (what, answer.summary()))
        return answer

    def account(self, name):
        """The account (any status) or None."""
        answer = self.call("GET", "/accounts/" + quote(name))
        if answer.status == 404 and answer.exception_class() == "AccountNotFound":
            return None
        return self.expect(answer, "reading account %s" % name, 200).json()

    def create_account(self, name, email):
        """True when created, False when the name is taken."""
        answer = self.call("POST", "/accounts/" + quote(name), {"type": "USER", "email": email})
        return self.expect(answer, "creating account %s" % name, 201, 409).status == 201

    def update_account(self, name, key, value):
        self.expect(self.call("PUT", "/accounts/" + quote(name), {key: value}), "setting %s of account %s" % (key, name), 200)

    def identities(self, name):
        """The identities of an active account (Rucio lists none for a suspended one)."""
        answer = self.expect(self.call("GET", "/accounts/%s/identities" % quote(name)), "reading the identities of %s" % name, 200)
        return [entry["identity"] for entry in answer.lines()]

    def add_identity(self, name, identity, email):
        answer = self.call("POST", "/accounts/%s/identities" % quote(name), {"identity": identity, "authtype": "OIDC", "email": email, "default": True})
        self.expect(answer, "adding the identity of %s" % name, 201, 409)

    def accounts_of(self, identity):
        """(accounts carrying the identity, whether suspended ones are included)."""
        if self.identity_route:
            answer = self.call("GET", "/identities/accounts?" + urllib.parse.urlencode({"identity_key": identity, "type": "OIDC"}))
            if answer.status == 200:
                return set(answer.json() or []), True
            if answer.status not in (404, 405) or answer.exception_class() is not None:
                raise SyncError("listing the accounts of an identity: Rucio answered %s" % answer.summary())
            self.identity_route = False
        answer = self.expect(self.call("GET", "/accounts/?" + urllib.parse.urlencode({"identity": identity})), "listing the accounts of an identity", 200)
        return {entry["account"] for entry in answer.lines()}, False

    def managed_accounts(self):
        """The active accounts this sync manages (Rucio lists active accounts only, filtered by attribute:
        rucio/rucio@40.4.1:lib/rucio/core/account.py:182-243)."""
        answer = self.expect(self.call("GET", "/accounts/?" + urllib.parse.urlencode({MANAGED_KEY: MANAGED_VALUE})), "listing the managed accounts", 200)
        return sorted(entry["account"] for entry in answer.lines())

    def attributes(self, name):
        answer = self.expect(self.call("GET", "/accounts/%s/attr/" % quote(name)), "reading the attributes of %s" % name, 200)
        return {entry["key"]: entry["value"] for entry in (answer.json() or [])}

    def add_attribute(self, name, key, value):
        answer = self.call("POST", "/accounts/%s/attr/%s" % (quote(name), quote(key)), {"value": value})
        self.expect(answer, "setting attribute %s of %s" % (key, name), 201, 409)

    def delete_attribute(self, name, key):
        answer = self.call("DELETE", "/accounts/%s/attr/%s" % (quote(name), quote(key)))
        self.expect(answer, "removing attribute %s of %s" % (key, name), 200, 404)

    def scopes(self, name):
        answer = self.call("GET", "/accounts/%s/scopes/" % quote(name))
        if answer.status == 404 and answer.exception_class() == "ScopeNotFound":
            return []
        return self.expect(answer, "reading the scopes of %s" % name, 200).json() or []

    def add_scope(self, name, scope):
        """True when created, False when the scope exists already."""
        answer = self.call("POST", "/accounts/%s/scopes/%s" % (quote(name), quote(scope)))
        return self.expect(answer, "adding scope %s to %s" % (scope, name), 201, 409).status == 201

    def limit(self, name, rse):
        """The account's local limit on the RSE, None when it has none (Infinity reads as inf)."""
        answer = self.expect(self.call("GET", "/accounts/%s/limits/local/%s" % (quote(name), quote(rse))), "reading the limit of %s on %s" % (name, rse), 200)
        return (answer.json() or {}).get(rse)

    def set_limit(self, name, rse, value):
        # Rucio 40 takes POST /accounts/{a}/limits/local/{rse} (accounts.py:1249) and keeps
        # /accountlimits/local/{a}/{rse} as a deprecated route (accounts.py:1284-1296); Rucio 1.31
        # has only the latter (rucio/rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/accountlimits.py:216-221).
        answer = self.call("POST", "/accounts/%s/limits/local/%s" % (quote(name), quote(rse)), {"bytes": value})
        if answer.status in (404, 405) and answer.exception_class() is None:
            answer = self.call("POST", "/accountlimits/local/%s/%s" % (quote(name), quote(rse)), {"bytes": value})
        self.expect(answer, "setting the limit of %s on %s" % (name, rse), 201)


def account_base(username):
    return NOT_ACCOUNT_CHARS.sub("-", username.lower()) or "user"


def candidate_names(username, sub):
    base = account_base(username)
    digest = hashlib.sha256(sub.encode("utf-8")).hexdigest()
    names = [base] if len(base) <= ACCOUNT_MAX else []
    names.append("%s-%s" % (base[:13], digest[:6]))
    names.append("%s-%s" % (base[:9], digest[:10]))
    return names


def oidc_identity(sub, issuer):
    """The identity Rucio looks an IAM token up by
    (rucio/rucio@40.4.1:lib/rucio/core/oidc.py:1002-1010, :868; the same at 1.31.7:lib/rucio/core/oidc.py:1242-1250)."""
    return "SUB=" + str(sub) + ", ISS=" + str(issuer)


def primary_email(user):
    emails = user.get("emails") or []
    for email in emails:
        if email.get("primary"):
            return email.get("value") or ""
    return (emails[0].get("value") or "") if emails else ""


def iam_groups(user):
    """A SCIM user's groups by IAM name (groups[].display is the group's full name, skao/uksrc)."""
    return {group_name(g.get("display", "")) for g in (user.get("groups") or []) if g.get("display")}


class Sync:
    def __init__(self, config, iam, rucio, log):
        self.config = config
        self.iam = iam
        self.rucio = rucio
        self.log = log

    def wanted(self, user):
        if user.get("active") is not True:
            return False
        return not self.config.allowed_groups or bool(iam_groups(user) & self.config.allowed_groups)

    def run(self):
        users = self.iam.users()
        wanted = sorted((u for u in users if self.wanted(u)), key=lambda u: ((u.get("meta") or {}).get("created", ""), u["id"]))
        self.log.info("%d IAM users, %d of them to have Rucio accounts" % (len(users), len(wanted)))
        kept = set()
        for user in wanted:
            try:
                kept.add(self.ensure(user))
            except SyncError as error:
                self.log.error("IAM user %s: %s" % (user.get("userName"), error))
        self.suspend_leavers(users, {u["id"] for u in wanted}, kept)

    def resolve(self, user, identity, email):
        """The user's account name and its record, creating it when there is none (the rule in the module's docstring)."""
        candidates = candidate_names(user["userName"], user["id"])
        owned, complete = self.rucio.accounts_of(identity)
        for name in candidates:
            if name in owned:
                record = self.rucio.account(name)
                if record and record.get("status") != "DELETED":
                    return name, record
        for name in sorted(owned - set(candidates)):
            record = self.rucio.account(name)
            if record and record.get("status") == "ACTIVE" and self.rucio.attributes(name).get(MANAGED_KEY) == MANAGED_VALUE:
                return name, record
        for name in candidates:
            record = self.rucio.account(name)
            if record is None:
                if self.rucio.create_account(name, email):
                    self.log.change("created account %s for IAM user %s" % (name, user["userName"]))
                    return name, self.rucio.account(name) or {"account": name, "status": "ACTIVE", "email": email}
                record = self.rucio.account(name)
                if record is None:
                    continue
            status = record.get("status")
            if status == "ACTIVE":
                identities = self.rucio.identities(name)
                if identity in identities:
                    return name, record
                if not identities and record.get("account_type") == "USER" and record.get("email") == email:
                    self.log.change("took over account %s, created for IAM user %s but left without an identity" % (name, user["userName"]))
                    return name, record
            elif status == "SUSPENDED" and not complete and record.get("email") == email:
                # Rucio 1.31 shows no identities of a suspended account: look while it is active,
                # and put it back unless it is the user's, whatever goes wrong meanwhile.
                self.rucio.update_account(name, "status", "ACTIVE")
                ours = False
                try:
                    ours = identity in self.rucio.identities(name)
                finally:
                    if not ours:
                        self.rucio.update_account(name, "status", "SUSPENDED")
                if ours:
                    self.log.change("reactivated account %s: IAM user %s is back" % (name, user["userName"]))
                    return name, dict(record, status="ACTIVE")
        raise SyncError("no account name is free: %s are taken by others" % ", ".join(candidates))

    def step(self, user, name, what):
        """Runs one step; a failure is logged and counted and the next step still runs."""
        try:
            what()
        except SyncError as error:
            self.log.error("IAM user %s, account %s: %s" % (user.get("userName"), name, error))

    def ensure(self, user):
        username = user["userName"]
        identity = oidc_identity(user["id"], self.config.issuer)
        email = primary_email(user)
        name, record = self.resolve(user, identity, email)
        if record.get("status") == "SUSPENDED":
            self.rucio.update_account(name, "status", "ACTIVE")
            self.log.change("reactivated account %s: IAM user %s is back" % (name, username))
        attributes = {}
        read = []

        def email_matches():
            if email and record.get("email") != email:
                self.rucio.update_account(name, "email", email)
                self.log.change("set the email of account %s to the one in IAM" % name)

        def identity_present():
            if identity not in self.rucio.identities(name):
                self.rucio.add_identity(name, identity, email)
                self.log.change("added the OIDC identity of IAM user %s to account %s" % (username, name))

        def marked_managed():
            attributes.update(self.rucio.attributes(name))
            read.append(True)
            if attributes.get(MANAGED_KEY) != MANAGED_VALUE:
                if MANAGED_KEY in attributes:
                    self.rucio.delete_attribute(name, MANAGED_KEY)
                self.rucio.add_attribute(name, MANAGED_KEY, MANAGED_VALUE)
                self.log.change("marked account %s as managed by this sync" % name)

        def scope_present():
            scope = "user." + name
            if scope not in self.rucio.scopes(name):
                if not self.rucio.add_scope(name, scope) and scope not in self.rucio.scopes(name):
                    raise SyncError("scope %s exists and belongs to another account" % scope)
                self.log.change("added scope %s to account %s" % (scope, name))

        def limit_present():
            if self.rucio.limit(name, self.config.rse) is None:
                self.rucio.set_limit(name, self.config.rse, self.config.quota)
                self.log.change("set the limit of account %s on %s to %d bytes" % (name, self.config.rse, self.config.quota))

        def admin_as_configured():
            if not read:
                attributes.update(self.rucio.attributes(name))
            want = username in self.config.admins
            if want and ADMIN_KEY not in attributes:
                self.rucio.add_attribute(name, ADMIN_KEY, ADMIN_VALUE)
                self.log.change("made account %s an admin" % name)
            elif not want and ADMIN_KEY in attributes:
                self.rucio.delete_attribute(name, ADMIN_KEY)
                self.log.change("removed admin from account %s: IAM user %s is not a listed admin" % (name, username))

        # The identity first: an account left without one is the only trace of an interrupted run.
        self.step(user, name, identity_present)
        self.step(user, name, email_matches)
        self.step(user, name, marked_managed)
        self.step(user, name, scope_present)
        self.step(user, name, limit_present)
        self.step(user, name, admin_as_configured)
        return name

    def suspend_leavers(self, users, wanted_subs, kept):
        prefix = "SUB="
        suffix = ", ISS=" + self.config.issuer
        by_sub = {u["id"]: u for u in users}
        try:
            managed = self.rucio.managed_accounts()
        except SyncError as error:
            self.log.error("cannot suspend the accounts of users who left: %s" % error)
            return
        for name in managed:
            if name in kept:
                continue
            try:
                subs = {i[len(prefix):-len(suffix)] for i in self.rucio.identities(name) if i.startswith(prefix) and i.endswith(suffix)}
                # An account that still carries a wanted user's identity stays (a user's earlier account).
                if subs & wanted_subs:
                    continue
                reasons = []
                for sub in sorted(subs) or [None]:
                    user = by_sub.get(sub)
                    if user is None:
                        reasons.append("its IAM user is gone")
                    elif user.get("active") is not True:
                        reasons.append("IAM user %s is disabled" % user.get("userName"))
                    else:
                        reasons.append("IAM user %s is not in the allowed groups" % user.get("userName"))
                # The admin attribute first: Rucio changes no attribute of a suspended account.
                if ADMIN_KEY in self.rucio.attributes(name):
                    self.rucio.delete_attribute(name, ADMIN_KEY)
                    self.log.change("removed admin from account %s" % name)
                self.rucio.update_account(name, "status", "SUSPENDED")
                self.log.change("suspended account %s: %s" % (name, "; ".join(reasons)))
            except SyncError as error:
                self.log.error("account %s: %s" % (name, error))


def main(env=None):
    log = Log()
    try:
        config = read_config(os.environ if env is None else env)
    except ConfigError as error:
        log.error("configuration: %s" % error)
        return 2
    for secret in (config.client_secret, config.password):
        log.hide(secret)
    http = Http(config, log)
    iam = Iam(config, http, log)
    rucio = Rucio(config, http, log)
    try:
        iam.login()
        rucio.login()
        Sync(config, iam, rucio, log).run()
    except SyncError as error:
        log.error(str(error))
    except Exception as error:  # pylint: disable=broad-except
        # Nothing unforeseen may print a request with its headers: only the exception's type and text.
        log.error("unexpected %s: %s" % (type(error).__name__, error))
    log.info("%d changes, %d failures" % (log.changes, log.failures))
    return 1 if log.failures else 0


if __name__ == "__main__":
    sys.exit(main())
