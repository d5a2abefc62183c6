from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qaf.accounts.models import Role
from qaf.cases.selectors import case_register_counts, child_list_visible
from qaf.common.permissions import allowed, gate
from qaf.organisation.selectors import organisation_counts, team_list_visible

HOME_HEADINGS = {
    Role.PRACTITIONER: "Your caseload",
    Role.TEAM_MANAGER: "Your team",
    Role.SERVICE_MANAGER: "Your district",
    Role.ASSISTANT_DIRECTOR: "Your area",
    Role.DIRECTOR: "Children's services overview",
    Role.QA_OFFICER: "Quality assurance overview",
    Role.CP_CHAIR: "Children whose conferences you chair",
    Role.IRO: "Children whose reviews you chair",
    Role.PARTNER_AUDITOR: "Multi-agency audits",
    Role.ELECTED_MEMBER: "Children's services at a glance",
}


@gate("accounts.signed_in")
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    # The heading is a label per role; what the page shows is decided by permissions.
    shows_children = allowed(user, "cases.view_children")
    context: dict[str, Any] = {
        "heading": HOME_HEADINGS.get(user.role, "Home"),
        "shows_children": shows_children,
    }
    if shows_children:
        children = child_list_visible(user=user)
        context["child_count"] = children.count()
        context["children"] = children.order_by("council_child_id")[:20]
        context["teams"] = team_list_visible(user=user)[:50]
    else:
        # Aggregates only: nothing here can identify a child.
        context["register"] = case_register_counts()
        context["organisation"] = organisation_counts()
    return render(request, "web/home.html", context)
