"""JupyterHub's login at the site's INDIGO IAM, and the notebook token that outlives the login.

The hub logs a user in with oauthenticator's GenericOAuthenticator (the login client, auth code).
The login token is then exchanged at IAM (RFC 8693) by a second client, the exchange client, for
the *notebook token*: the storage scopes, Rucio's audience and offline_access, hence a refresh
token. IAM refuses offline_access in an exchange whose actor is the subject token's own client
(iam@v1.12.0 iam-login-service/.../core/oauth/granters/TokenExchangeTokenGranter.java:105-108),
which is why the exchange client exists.

auth_state (encrypted by JupyterHub) keeps only the notebook token: its access token, refresh
token and expiry; the login token is not needed after the exchange and is not kept. Whenever
JupyterHub refreshes the user (every auth_refresh_age seconds, on any request that the user's
cookie or one of the user's API tokens makes: jupyterhub@3.0.0 and @5.5.0
jupyterhub/handlers/base.py get_current_user -> refresh_auth), refresh_user renews the notebook
token with the exchange client's refresh token once it has less than refresh_margin_seconds
left. When IAM refuses (refresh token revoked, user disabled), the tokens are dropped and
refresh_user answers False: JupyterHub then treats the user as logged out and asks for a login.

The notebook reads the current access token from NotebookTokenHandler, with its server's API
token. That token holds one custom scope, filtered to its own user, which reads the access token
and its expiry and nothing else: the refresh token never leaves the hub. (JupyterHub's own
GET /hub/api/users/{name} with admin:auth_state would hand over the whole auth_state, refresh
token included; GET /hub/api/user never fills auth_state in: apihandlers/users.py SelfAPIHandler.)
"""
import asyncio
import base64
import json
import re
import time
from urllib.parse import urlencode

from jupyterhub.apihandlers.base import APIHandler
from jupyterhub.scopes import needs_scope
from oauthenticator.generic import GenericOAuthenticator
from tornado import web
from tornado.httpclient import HTTPClientError
from traitlets import Integer, List, Unicode

TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
# The custom scope the notebook's server token holds, filtered to its own user (!user).
NOTEBOOK_TOKEN_SCOPE = "custom:srcnet:notebook-token"


class IamRefused(Exception):
    """IAM answered a token request with a 4xx: the grant is no longer good (re-login needed)."""


def _jwt_claims(token):
    """The claims of a JWT as IAM just sent it over TLS (not verified: read, never trusted from elsewhere)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError, AttributeError):
        return {}


def _jwt_exp(token):
    """The exp claim of a JWT, or None (IAM's access tokens are JWTs; nothing else relies on it)."""
    exp = _jwt_claims(token).get("exp")
    return float(exp) if isinstance(exp, (int, float)) else None


def notebook_token_from(response, previous_refresh_token=None):
    """The notebook token to keep, from an IAM token response.

    Its expiry is the earlier of expires_in and the JWT's exp (which IAM rounds down to seconds),
    so nothing downstream believes a token lives longer than it does. IAM rotates refresh tokens
    unless the client reuses them (MITREid DefaultOAuth2ProviderTokenService.refreshAccessToken);
    without a new one, the old one stays.
    """
    now = time.time()
    access_token = response["access_token"]
    candidates = [now + float(response["expires_in"])] if "expires_in" in response else []
    exp = _jwt_exp(access_token)
    if exp is not None:
        candidates.append(exp)
    return {
        "access_token": access_token,
        "refresh_token": response.get("refresh_token") or previous_refresh_token,
        # No expiry at all (IAM's validity 0): treat as an hour, so that it is renewed regularly.
        "expires_at": min(candidates) if candidates else now + 3600,
        "scope": response.get("scope", ""),
    }


def iam_group_names(user_info):
    """The user's IAM groups by IAM's name (skao/uksrc), from userinfo.

    Under the iam profile userinfo has `groups` (IAM's names, IamUserInfo.java:373-381); under the
    wlcg profile `wlcg.groups` (the same names with a leading '/') replaces it
    (WLCGUserInfoAdapter.java toJson). Both come with the profile scope (IamUserInfoEndpoint.java,
    IamScopeClaimTranslationService.java:81-83).
    """
    groups = user_info.get("wlcg.groups")
    if groups is None:
        groups = user_info.get("groups") or []
    return sorted({str(g).strip().strip("/") for g in groups if str(g).strip("/")})


class SrcnetIamAuthenticator(GenericOAuthenticator):
    exchange_client_id = Unicode(config=True, help="The IAM client that exchanges and refreshes notebook tokens.")
    exchange_client_secret = Unicode(config=True, help="Its secret.")
    exchange_scopes = List(Unicode(), config=True, help="Scopes the exchange asks for.")
    exchange_audience = Unicode(config=True, help="The audience of the notebook token (Rucio's).")
    allowed_iam_groups = List(
        Unicode(),
        config=True,
        help="IAM groups (skao/uksrc or /skao/uksrc) whose members may log in; exact membership. Empty: every IAM user.",
    )
    notebook_token_api_path = Unicode(
        config=True,
        help="Where under the hub's API (/hub/api) NotebookTokenHandler answers, {user} standing for "
        "the user's name; the notebook's agent is given the same path (components/jupyterhub/plan.ts).",
    )
    refresh_margin_seconds = Integer(
        300,
        config=True,
        help="Renew the notebook token when it has less than this left. Must exceed auth_refresh_age "
        "plus the notebook's poll interval plus its minimum validity, so that a poll renews it in time.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._locks = {}

    def get_handlers(self, app):
        # Relative to the hub's prefix (/hub/), as JupyterHub mounts an authenticator's handlers.
        before, user, after = self.notebook_token_api_path.partition("{user}")
        if not user:
            raise ValueError("notebook_token_api_path must contain {user}")
        pattern = "/api" + re.escape(before) + "([^/]+)" + re.escape(after)
        return super().get_handlers(app) + [(pattern, NotebookTokenHandler)]

    # -- talking to IAM ------------------------------------------------------------------------

    async def _exchange_client_request(self, params):
        """POST to IAM's token endpoint as the exchange client (client_secret_basic, raw as IAM reads it)."""
        basic = base64.b64encode(f"{self.exchange_client_id}:{self.exchange_client_secret}".encode()).decode()
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": f"Basic {basic}",
        }
        response = await self.httpfetch(
            self.token_url,
            label=f"asking IAM for a notebook token ({params['grant_type']})",
            parse_json=False,
            raise_error=False,
            method="POST",
            headers=headers,
            body=urlencode(params).encode(),
            validate_cert=self.validate_server_cert,
        )
        body = self._json(response)
        # 400 (invalid_grant) and 401 (invalid_token: a revoked or expired refresh token, as
        # MITREid answers it; unauthorized: a disabled user) are refusals; a 408 or 429 is IAM being busy, tried again at the next poll.
        if response.code in (400, 401):
            # Only IAM's error code and description: never a token.
            raise IamRefused(f"{response.code} {body.get('error', '')}: {body.get('error_description', '')}")
        if response.code != 200 or "access_token" not in body:
            raise HTTPClientError(response.code if response.code != 200 else 502, "IAM's token endpoint failed", response)
        return body

    @staticmethod
    def _json(response):
        try:
            return json.loads(response.body or b"{}")
        except ValueError:
            return {}

    async def exchange(self, login_access_token):
        """IAM's token exchange (RFC 8693) of the login token for the notebook token."""
        params = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token": login_access_token,
            "subject_token_type": ACCESS_TOKEN_TYPE,
            "scope": " ".join(self.exchange_scopes),
        }
        if self.exchange_audience:
            params["audience"] = self.exchange_audience
        return notebook_token_from(await self._exchange_client_request(params))

    async def renew(self, notebook):
        """The refresh_token grant with the exchange client; IAM keeps the first request's audience."""
        response = await self._exchange_client_request({"grant_type": "refresh_token", "refresh_token": notebook["refresh_token"]})
        return notebook_token_from(response, notebook["refresh_token"])

    # -- login -----------------------------------------------------------------------------------

    async def build_auth_state_dict(self, token_info, user_info):
        """At login: exchange the login token and keep only the notebook token (and who the user is)."""
        try:
            notebook = await self.exchange(token_info["access_token"])
        except IamRefused as refused:
            self.log.error("IAM refused the notebook token exchange: %s", refused)
            raise web.HTTPError(403, "IAM refused the notebook token for this login")
        if not notebook["refresh_token"]:
            # Without it the session would end with the first token: say so now, not in an hour.
            self.log.error("IAM's notebook token came without a refresh token (offline_access not granted)")
            raise web.HTTPError(403, "IAM did not grant offline_access to the notebook token")
        return {"notebook": notebook, "groups": iam_group_names(user_info), self.user_auth_state_key: user_info}

    async def check_allowed(self, username, auth_model):
        if await super().check_allowed(username, auth_model):
            return True
        if auth_model is None or not self.allowed_iam_groups:
            return False
        wanted = {g.strip().strip("/") for g in self.allowed_iam_groups}
        return bool(wanted & set(auth_model["auth_state"].get("groups", [])))

    # -- refresh -------------------------------------------------------------------------------

    def _lock(self, name):
        # IAM rotates the refresh token: two concurrent renewals with the same one would make
        # the second fail and log the user out. One renewal per user at a time.
        return self._locks.setdefault(name, asyncio.Lock())

    async def refresh_user(self, user, handler=None, **kwargs):
        async with self._lock(user.name):
            auth_state = await user.get_auth_state()
            notebook = (auth_state or {}).get("notebook")
            if not notebook or not notebook.get("refresh_token"):
                return False
            if notebook["expires_at"] - time.time() > self.refresh_margin_seconds:
                return True
            try:
                fresh = await self.renew(notebook)
            except IamRefused as refused:
                self.log.warning("IAM refused to renew %s's notebook token (%s): a new login is needed", user.name, refused)
                auth_state["notebook"] = None
                await user.save_auth_state(auth_state)
                return False
            except Exception as error:  # IAM unreachable or failing: try again at the next refresh
                self.log.warning("Could not renew %s's notebook token: %s", user.name, error.__class__.__name__)
                return notebook["expires_at"] > time.time()
            self.log.info("Renewed %s's notebook token at IAM (valid for %ds)", user.name, fresh["expires_at"] - time.time())
            auth_state["notebook"] = fresh
            # The renewed token says the user's groups now (wlcg.groups, an exchange scope). IAM
            # leaves the claim out for a user in no group (WLCGProfileAccessTokenBuilder.java:105-107
            # at v1.12.0): no claim then means no groups.
            if "wlcg.groups" in self.exchange_scopes:
                auth_state["groups"] = iam_group_names(_jwt_claims(fresh["access_token"]))
            # Saved here, inside the lock, so that a waiting renewal sees the rotated refresh token.
            await user.save_auth_state(auth_state)
            # A user who left the allowed groups is let go at the next renewal, not after the
            # refresh token's month.
            if not await self.check_allowed(user.name, {"name": user.name, "admin": user.admin, "auth_state": auth_state}):
                self.log.warning("%s is no longer in an allowed IAM group: a new login is needed", user.name)
                auth_state["notebook"] = None
                await user.save_auth_state(auth_state)
                return False
            return True


class NotebookTokenHandler(APIHandler):
    """GET /hub/api + notebook_token_api_path: the user's current notebook access token.

    Only for a token with NOTEBOOK_TOKEN_SCOPE for that user. The request itself has already
    refreshed the user (BaseHandler.prepare -> get_current_user -> refresh_auth); if that asked
    for a new login, there is no current user and the answer is 403.
    """

    async def get(self, user_name):
        # needs_scope checks, when applied, that the scope is defined; custom scopes are defined
        # when the hub starts, after this module is imported: so it is applied per request.
        return await needs_scope(NOTEBOOK_TOKEN_SCOPE)(NotebookTokenHandler._get)(self, user_name)

    async def _get(self, user_name):
        user = self.find_user(user_name)
        if user is None:
            raise web.HTTPError(404)
        notebook = ((await user.get_auth_state()) or {}).get("notebook")
        remaining = notebook["expires_at"] - time.time() if notebook else 0
        if remaining <= 0:
            raise web.HTTPError(404, "No valid notebook token: log in to JupyterHub again")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps({"access_token": notebook["access_token"], "token_type": "Bearer", "expires_in": remaining}))
