"""The role-aware navigation: each entry names the permission that shows it. One list, used by
every page; the permissions live in the apps' permissions.py (qaf.web.permissions for apps that
have not named theirs yet)."""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from qaf.common.permissions import allowed


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    shown_to: str  # a permission name


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("Home", "home", "accounts.signed_in"),
    NavEntry("Children", "cases:child_list", "cases.view_children"),
    NavEntry("Teams", "organisation:team_list", "organisation.browse_teams"),
    NavEntry("Escalations", "escalations:list", "web.see_escalations_menu"),
    # Elected members see escalation figures only (the dashboard), never a child.
    NavEntry("Escalations", "escalations:dashboard", "web.see_escalation_figures_menu"),
    NavEntry("Your actions", "actions:mine", "web.see_actions_menu"),
    NavEntry("Feedback", "feedback:home", "feedback.view_feedback"),
    NavEntry("Case data", "case_data:import_list", "web.see_case_data_menu"),
    NavEntry("Performance", "performance:scorecard", "performance.view_scorecard"),
    NavEntry("Audit tools", "tools:list", "web.see_audit_tools_menu"),
    NavEntry("Audit cycles", "audits:cycle_list", "audits.plan_cycles"),
    NavEntry("Your audits", "audits:mine", "audits.see_your_audits_menu"),
    NavEntry("Access log", "access_log:list", "web.see_access_log_menu"),
    NavEntry("Organisation", "organisation:structure", "organisation.manage_structure"),
    NavEntry("Your account", "accounts:account", "accounts.signed_in"),
)


def navigation_for(*, user: Any, path: str) -> list[dict[str, object]]:
    if not user.is_authenticated:
        return []
    items = []
    for entry in NAVIGATION:
        if allowed(user, entry.shown_to):
            url = reverse(entry.url_name)
            active = path == url if url == "/" else path.startswith(url)
            items.append({"label": entry.label, "url": url, "active": active})
    return items
