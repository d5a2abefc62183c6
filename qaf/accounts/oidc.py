"""Council single sign-on: OpenID Connect (Microsoft Entra ID), group claims mapped to roles."""

from typing import Any

from django.conf import settings
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .models import Role, User


def group_role_map() -> dict[str, str]:
    """Parse QAF_OIDC_GROUP_ROLES ("group=role,group=role") into a mapping."""
    mapping: dict[str, str] = {}
    for pair in (settings.QAF_OIDC_GROUP_ROLES or "").split(","):
        if "=" in pair:
            group, role = (part.strip() for part in pair.split("=", 1))
            if role in Role.values:
                mapping[group] = role
    return mapping


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
    roles = {mapping[g] for g in groups if g in mapping}
    for role in ROLE_PRECEDENCE:
        if role in roles:
            return role
    return None


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    def verify_claims(self, claims: dict[str, Any]) -> bool:
        # Deny by default: a signed-in person in no mapped group gets no account.
        return bool(super().verify_claims(claims)) and role_from_claims(claims) is not None

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        email = claims.get("email")
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email)

    def create_user(self, claims: dict[str, Any]) -> User:
        username = claims.get("preferred_username") or claims["email"]
        user = User.objects.create_user(
            username=username[:150],
            email=claims["email"],
            first_name=claims.get("given_name", "")[:150],
            last_name=claims.get("family_name", "")[:150],
            role=role_from_claims(claims),
        )
        user.set_unusable_password()
        user.save()
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        role = role_from_claims(claims)
        if role and user.role != role:
            user.role = role
            user.save(update_fields=["role"])
        return user

    def get_or_create_user(self, access_token: str, id_token: str, payload: Any) -> Any:
        user = super().get_or_create_user(access_token, id_token, payload)
        if user is not None and self.request is not None:
            # The provider enforces its own second factor (conditional access).
            self.request.session["qaf_sso"] = True
        return user
