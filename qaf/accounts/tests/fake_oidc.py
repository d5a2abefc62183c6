"""A fake OpenID Connect provider for the test suite (a stand-in for Microsoft Entra ID).

It signs ID tokens with an RSA key made per test run, publishes the public half as a JWKS and
answers the token and userinfo endpoints through the `responses` library, so the real
mozilla-django-oidc code does real HTTP calls, real signature checks and real nonce checks.
"""

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://login.example.invalid/tenant-0001/v2.0"
CLIENT_ID = "qaf-test-client"
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{ISSUER}/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": f"{ISSUER}/token",
    "OIDC_OP_USER_ENDPOINT": f"{ISSUER}/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": f"{ISSUER}/keys",
}
QA_GROUP = "6f1c1d7e-0000-4000-8000-00000000qa01"
MANAGER_GROUP = "6f1c1d7e-0000-4000-8000-00000000tm01"
PRACTITIONER_GROUP = "6f1c1d7e-0000-4000-8000-00000000sw01"


def oidc_settings() -> dict[str, Any]:
    """The settings that switch council single sign-on on against this provider."""
    return {
        "QAF_OIDC_ENABLED": True,
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": "fake-provider-secret",
        "OIDC_RP_SIGN_ALGO": "RS256",
        "OIDC_OP_ISSUER": ISSUER,
        "QAF_OIDC_GROUP_ROLES": (
            f"{QA_GROUP}=qa_officer,{MANAGER_GROUP}=team_manager,{PRACTITIONER_GROUP}=practitioner"
        ),
        "QAF_OIDC_GROUPS_CLAIM": "groups",
        "AUTHENTICATION_BACKENDS": [
            "rules.permissions.ObjectPermissionBackend",
            "qaf.accounts.backends.LockoutModelBackend",
            "qaf.accounts.oidc.CouncilOIDCBackend",
        ],
        **ENDPOINTS,
    }


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeProvider:
    """Answers as the provider would for one person; tests change what it signs and with what."""

    claims: dict[str, Any]
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = "test-key-1"
    signing_key: rsa.RSAPrivateKey | None = None  # sign with another key than published
    unsigned: bool = False  # alg "none"
    nonce: str = ""
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        public.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [public]}

    def id_token(self) -> str:
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
            "nonce": self.nonce,
            **self.claims,
        }
        if self.unsigned:
            return jwt.encode(payload, None, algorithm="none", headers={"kid": self.kid})
        return jwt.encode(
            payload, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid}
        )

    def _token(self, request: Any) -> tuple[int, dict[str, str], str]:
        self.token_requests.append(parse_qs(request.body))
        body = {
            "access_token": "fake-access-token",
            "token_type": "Bearer",
            "id_token": self.id_token(),
        }
        return 200, {"Content-Type": "application/json"}, json.dumps(body)

    def _userinfo(self, request: Any) -> tuple[int, dict[str, str], str]:
        assert request.headers["Authorization"] == "Bearer fake-access-token"
        info = {
            k: v for k, v in self.claims.items() if k != "groups"
        }  # Entra: groups only in the ID token
        return 200, {"Content-Type": "application/json"}, json.dumps(info)

    def register(self, mock: responses.RequestsMock) -> None:
        mock.add(responses.GET, ENDPOINTS["OIDC_OP_JWKS_ENDPOINT"], json=self.jwks())
        mock.add_callback(responses.POST, ENDPOINTS["OIDC_OP_TOKEN_ENDPOINT"], callback=self._token)
        mock.add_callback(
            responses.GET, ENDPOINTS["OIDC_OP_USER_ENDPOINT"], callback=self._userinfo
        )

    def sign_in(self, client: Any) -> Any:
        """Drive the browser's part: /oidc/authenticate/ -> provider -> /oidc/callback/."""
        start = client.get("/oidc/authenticate/")
        assert start.status_code == 302
        location = urlsplit(start["Location"])
        assert (
            f"{location.scheme}://{location.netloc}{location.path}"
            == ENDPOINTS["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        )
        query = {k: v[0] for k, v in parse_qs(location.query).items()}
        assert query["client_id"] == CLIENT_ID
        assert query["response_type"] == "code"
        assert query["code_challenge_method"] == "S256"
        self.nonce = query["nonce"]
        # The person signs in at the provider, which sends the browser back with a code.
        return client.get("/oidc/callback/", {"code": "fake-auth-code", "state": query["state"]})
