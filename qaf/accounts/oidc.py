"""Council single sign-on: OpenID Connect (Microsoft Entra ID), group claims mapped to roles.

Decisions, each a guard against a known way OIDC integrations go wrong:

- people are matched on the provider's subject identifier (``sub``), never on the e-mail
  claim, which some providers let a person set (the "nOAuth" takeover);
- the ID token must be signed with the configured algorithm by a key from the provider's JWKS
  (mozilla-django-oidc), carry our client ID as audience and, when ``OIDC_OP_ISSUER`` is set,
  that issuer;
- claims come from the signed ID token (where Entra puts ``groups``), overlaid by the userinfo
  endpoint only when its ``sub`` matches;
- deny by default: a person in no mapped group gets no account and no session;
- a disabled account cannot sign in, nor keep a session.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import Role, User

logger = logging.getLogger(__name__)


def group_role_map() -> dict[str, str]:
    """Parse QAF_OIDC_GROUP_ROLES ("group=role,group=role") into a mapping."""
    mapping: dict[str, str] = {}
    for pair in (settings.QAF_OIDC_GROUP_ROLES or "").split(","):
        if "=" in pair:
            group, role = (part.strip() for part in pair.split("=", 1))
            if group and role in Role.values:
                mapping[group] = role
    return mapping


def group_role_map_problems(value: str) -> list[str]:
    """Every entry of a QAF_OIDC_GROUP_ROLES value that would be ignored, and why."""
    problems = []
    for pair in (value or "").split(","):
        if not pair.strip():
            continue
        if "=" not in pair:
            problems.append(f"'{pair.strip()}' has no '=': write group=role")
            continue
        group, role = (part.strip() for part in pair.split("=", 1))
        if not group:
            problems.append(f"'{pair.strip()}' has no group before '='")
        if role not in Role.values:
            problems.append(f"'{role}' is not a role; use one of {', '.join(Role.values)}")
    return problems


# When a person is in several mapped groups, the widest role wins.
ROLE_PRECEDENCE = [
    Role.QA_OFFICER,
    Role.DIRECTOR,
    Role.ASSISTANT_DIRECTOR,
    Role.SERVICE_MANAGER,
    Role.TEAM_MANAGER,
    Role.CP_CHAIR,
    Role.IRO,
    Role.PRACTITIONER,
    Role.PARTNER_AUDITOR,
    Role.ELECTED_MEMBER,
]


def role_from_claims(claims: dict[str, Any]) -> str | None:
    groups = claims.get(settings.QAF_OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    mapping = group_role_map()
    roles = {mapping[g] for g in groups if isinstance(g, str) and g in mapping}
    for role in ROLE_PRECEDENCE:
        if role in roles:
            return role
    return None


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        # A forged, unsigned or foreign token is refused as a failed sign-in (back to the
        # sign-in page with a message), not as an error page.
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            logger.warning("Council sign-in refused: %s", exc)
            return None

    def verify_token(self, token: str, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token was not issued for this application.")
        issuer = getattr(settings, "OIDC_OP_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("The ID token comes from another issuer.")
        if not payload.get("sub"):
            raise SuspiciousOperation("The ID token has no subject.")
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: Any) -> dict[str, Any]:
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("The userinfo subject differs from the ID token's.")
            # The signed ID token's claims win (Entra's groups are only there).
            claims = {**userinfo, **claims}
        return claims

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # Deny by default: a signed-in person in no mapped group gets no account.
        if role_from_claims(claims) is None:
            logger.warning(
                "Council sign-in refused: subject %s is in no mapped group", claims.get("sub")
            )
            return False
        return bool(claims.get("sub")) and bool(super().verify_claims(claims))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        return self.UserModel.objects.filter(oidc_subject=claims["sub"])

    def create_user(self, claims: dict[str, Any]) -> User:
        username = (claims.get("preferred_username") or claims["email"])[:150]
        if User.objects.filter(username__iexact=username).exists():
            # A local account already holds this name; linking them silently would let the
            # provider sign in as it. The QA unit links them by hand (docs/security.md).
            raise SuspiciousOperation(f"The username {username} belongs to another account.")
        role = role_from_claims(claims)
        if role is None:  # verify_claims refuses these first; never create a role-less account
            raise SuspiciousOperation("The provider's claims map to no QAF role.")
        user = User(
            username=username,
            email=claims.get("email", ""),
            first_name=(claims.get("given_name") or "")[:150],
            last_name=(claims.get("family_name") or "")[:150],
            role=role,
            oidc_subject=claims["sub"],
        )
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        user.role = role_from_claims(claims) or user.role
        user.email = claims.get("email", user.email)
        user.first_name = (claims.get("given_name") or user.first_name)[:150]
        user.last_name = (claims.get("family_name") or user.last_name)[:150]
        user.save(update_fields=["role", "email", "first_name", "last_name"])
        return user

    def get_user(self, user_id: Any) -> Any:
        # mozilla-django-oidc's own get_user ignores is_active; a disabled account keeps no
        # session through this backend either.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
