"""What the audit cycle's pages share: the one-form page, showing a refusal as a message, the
status tags and grade labels."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ..forms import GRADE_CHOICES
from ..models import Audit, AuditStatus

GRADE_LABELS = dict(GRADE_CHOICES)
STATUS_COLOURS = {
    AuditStatus.ALLOCATED: "grey",
    AuditStatus.IN_PROGRESS: "blue",
    AuditStatus.SUBMITTED: "light-blue",
    AuditStatus.RETURNED: "orange",
    AuditStatus.IN_MODERATION: "purple",
    AuditStatus.FINALISED: "green",
    AuditStatus.CANCELLED: "grey",
}


def form_page(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The generic one-form page: heading, optional intro, the form, one button."""
    return render(request, "audits/form_page.html", context)


class Flash:
    """For a page that is a button, not a form (draw the sample, open the audit): lets
    `service_errors(Flash(request))` show the service's refusal as an error message on the page
    the person goes back to, as it shows it on a form elsewhere."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def add_error(self, field: str | None, message: str) -> None:
        messages.error(self.request, message)


def posted_version(request: HttpRequest) -> int:
    """The row_version a confirmation page posted back (0, which is never current, if none)."""
    try:
        return int(request.POST.get("row_version", "0"))
    except ValueError:
        return 0


def status_tag(audit: Audit) -> dict[str, str]:
    return {"text": audit.get_status_display(), "colour": STATUS_COLOURS[AuditStatus(audit.status)]}


def section_titles(audit: Audit) -> dict[str, str]:
    form = audit.form
    if form is None:
        return {}
    return {s.key: s.title for s in form.definition.sections}
