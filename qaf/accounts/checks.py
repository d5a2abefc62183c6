"""System checks for the accounts configuration (run by `manage.py check` and `migrate`)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def oidc_group_roles_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if not settings.QAF_OIDC_ENABLED:
        return []
    from .oidc import group_role_map_problems

    errors = [
        Error(problem, hint="QAF_OIDC_GROUP_ROLES is group=role,group=role", id="accounts.E001")
        for problem in group_role_map_problems(settings.QAF_OIDC_GROUP_ROLES)
    ]
    if not settings.QAF_OIDC_GROUP_ROLES:
        errors.append(
            Error(
                "Single sign-on is on but QAF_OIDC_GROUP_ROLES is empty: nobody could sign in",
                id="accounts.E002",
            )
        )
    backend = "qaf.accounts.oidc.CouncilOIDCBackend"
    if backend not in settings.AUTHENTICATION_BACKENDS:
        errors.append(Error(f"{backend} is not in AUTHENTICATION_BACKENDS", id="accounts.E003"))
    return errors
