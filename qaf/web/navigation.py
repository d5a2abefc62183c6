"""The role-aware navigation: each entry says who sees it. One list, used by every page."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from qaf.accounts.models import Role


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    shown_to: Callable[[Any], bool]


def _sees_children(user: Any) -> bool:
    return bool(user.sees_children)


def _manages_staff(user: Any) -> bool:
    return user.role not in {Role.ELECTED_MEMBER, Role.PARTNER_AUDITOR, Role.CP_CHAIR, Role.IRO}


def _qa_unit(user: Any) -> bool:
    return bool(user.is_qa_unit)


def _sees_performance(user: Any) -> bool:
    return user.role != Role.PARTNER_AUDITOR


def _in_audit_pool(user: Any) -> bool:
    from qaf.audits.selectors import is_pool_member

    return user.sees_children and is_pool_member(user=user)


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("Home", "home", lambda user: True),
    NavEntry("Children", "cases:child_list", _sees_children),
    NavEntry("Teams", "organisation:team_list", _manages_staff),
    NavEntry("Escalations", "escalations:list", _sees_children),
    # Elected members see escalation figures only (the dashboard), never a child.
    NavEntry("Escalations", "escalations:dashboard", lambda user: user.role == Role.ELECTED_MEMBER),
    NavEntry("Your actions", "actions:mine", _sees_children),
    NavEntry("Feedback", "feedback:home", _sees_children),
    NavEntry("Case data", "case_data:import_list", _qa_unit),
    NavEntry("Performance", "performance:scorecard", _sees_performance),
    NavEntry("Audit tools", "tools:list", _qa_unit),
    NavEntry("Audit cycles", "audits:cycle_list", _qa_unit),
    NavEntry("Your audits", "audits:mine", _in_audit_pool),
    NavEntry("Access log", "access_log:list", _qa_unit),
    NavEntry("Organisation", "organisation:structure", _qa_unit),
    NavEntry("Your account", "accounts:account", lambda user: True),
)


def navigation_for(*, user: Any, path: str) -> list[dict[str, object]]:
    if not user.is_authenticated:
        return []
    items = []
    for entry in NAVIGATION:
        if entry.shown_to(user):
            url = reverse(entry.url_name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": entry.label, "url": url, "active": active})
    return items
