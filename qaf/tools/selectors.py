"""Reads for audit tools, filled forms and the case facts shown beside questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet

from qaf.access_log.services import get_visible
from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import NotFound
from qaf.common.permissions import allowed

from .definition import GradeScale
from .models import FormResponse, Tool, ToolVersion, VersionStatus
from .workflows import FORM_RESPONSE_WORKFLOW


def tool_list() -> QuerySet[Tool]:
    """Every tool with its versions (newest first)."""
    return Tool.objects.prefetch_related(
        Prefetch("versions", queryset=ToolVersion.objects.order_by("-version"))
    ).order_by("title")


def tool_get(*, key: str) -> Tool | None:
    """The tool with this key, or None (services ask whether the library needs loading)."""
    return tool_list().filter(key=key).first()


def tool_with_versions(*, key: str) -> Tool:
    """The tool with this key and its versions, for the tool pages and API; NotFound if none."""
    found = tool_get(key=key)
    if found is None:
        raise NotFound()
    return found


def tool_version_get(*, key: str, version: int) -> ToolVersion:
    """One version of a tool; NotFound if there is no such version."""
    found = (
        ToolVersion.objects.select_related("tool").filter(tool__key=key, version=version).first()
    )
    if found is None:
        raise NotFound()
    return found


def tool_version_current(*, tool: Tool) -> ToolVersion | None:
    """The version new forms use: the highest published one."""
    return (
        ToolVersion.objects.filter(tool=tool, status=VersionStatus.PUBLISHED)
        .order_by("-version")
        .first()
    )


def grade_scales_by_version(*, version_ids: Iterable[int]) -> dict[int, GradeScale | None]:
    """The grade scale each tool version declares (None for one that grades nothing), read
    from the stored definitions: what agreement statistics and KPIs count an audit on."""
    rows = ToolVersion.objects.filter(pk__in=set(version_ids)).values_list(
        "pk", "definition_data__grade_scale"
    )
    return {pk: GradeScale.from_dict(scale) if scale else None for pk, scale in rows}


def form_response_list_visible(*, user: User | AnonymousUser) -> QuerySet[FormResponse]:
    """The forms a person may read here: their own, and every form for the QA unit. (Other
    workflows let more people read the forms they own, through their own selectors.)"""
    forms = FormResponse.objects.select_related("tool_version__tool", "child", "author").defer(
        # Pages use the parsed definition (cached per source text); decoding the stored data
        # of a large tool costs milliseconds a request.
        "tool_version__definition_data"
    )
    if not user.is_authenticated:
        return forms.none()
    if allowed(user, "tools.read_any_form_response"):
        return forms
    return forms.filter(author=user)


def form_response_list_fillable(*, user: User | AnonymousUser) -> QuerySet[FormResponse]:
    """The forms a person may fill in now: their own, not yet submitted."""
    if not user.is_authenticated:
        return FormResponse.objects.none()
    return form_response_list_visible(user=user).filter(
        author=user, status__in=FORM_RESPONSE_WORKFLOW.open_states
    )


def form_response_get_visible(
    *, user: User | AnonymousUser, pk: int, via: str = "page"
) -> FormResponse:
    """One form the person may read; the read is logged, allowed or refused (NotFound)."""
    return get_visible(
        form_response_list_visible(user=user),
        user=user,
        pk=pk,
        object_type="form_response",
        via=via,
    )


def form_response_get_fillable(
    *, user: User | AnonymousUser, pk: int, via: str = "page"
) -> FormResponse:
    """One form the person may fill in now (their own draft); the read is logged, allowed or
    refused (NotFound: a submitted form, or someone else's, is never filled in here)."""
    return get_visible(
        form_response_list_fillable(user=user),
        user=user,
        pk=pk,
        object_type="form_response",
        via=via,
    )


def form_response_list_authored(*, user: User | AnonymousUser) -> QuerySet[FormResponse]:
    """The person's own forms."""
    if not user.is_authenticated:
        return FormResponse.objects.none()
    return FormResponse.objects.select_related("tool_version__tool").filter(author=user)


# --------------------------------------------------------------------------------------------
# Case facts
# --------------------------------------------------------------------------------------------

NOT_RECORDED = "Not recorded"

CASE_FACT_LABELS: dict[str, str] = {
    "allocated_worker": "Allocated worker",
    "team": "Team",
    "involvement_type": "Involvement",
    "involvement_start": "Involvement started",
    "involvement_end": "Involvement ended",
    "last_statutory_visit": "Last statutory visit",
    "date_of_birth": "Date of birth",
    "age": "Age",
    "legal_status": "Legal status",
    "plan_start": "Plan started",
    "previous_audit_grade": "Previous audit grade",
}


def _date(value: dt.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else NOT_RECORDED


def _age(born: dt.date, today: dt.date) -> str:
    years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if years >= 2:
        return f"{years} years"
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    return f"{months} month{'s' if months != 1 else ''}"


def case_facts_for(*, child: Any, involvement: Any = None) -> dict[str, str]:
    """The facts of a child's case, by case-fact key (definition.CASE_FACTS), as display text.

    `child` must already have been fetched through a scoped selector. `involvement` defaults to
    the child's current (latest open, else latest) involvement. Facts the register does not hold
    are "Not recorded".
    """
    from qaf.cases.models import CaseEvent, EventKind

    facts = dict.fromkeys(CASE_FACTS_ORDER, NOT_RECORDED)
    if child is None:
        return facts
    today = clock.today()
    if involvement is None:
        involvements = list(
            child.involvements.select_related("team", "allocated_worker").order_by("-start_date")
        )
        open_ = [i for i in involvements if i.end_date is None or i.end_date >= today]
        involvement = (open_ or involvements or [None])[0]
    if child.date_of_birth:
        facts["date_of_birth"] = _date(child.date_of_birth)
        facts["age"] = _age(child.date_of_birth, today)
    if involvement is not None:
        worker = involvement.allocated_worker
        facts["allocated_worker"] = (
            f"{worker.given_name} {worker.family_name}" if worker else ("Not allocated")
        )
        facts["team"] = involvement.team.name
        facts["involvement_type"] = involvement.get_kind_display()
        facts["involvement_start"] = _date(involvement.start_date)
        facts["involvement_end"] = _date(involvement.end_date) if involvement.end_date else ("Open")
    events = CaseEvent.objects.filter(child=child)
    visit = (
        events.filter(kind__in=[EventKind.CP_VISIT, EventKind.CIC_VISIT])
        .order_by("-start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    if visit:
        facts["last_statutory_visit"] = _date(visit)
    plan = (
        events.filter(kind__in=[EventKind.CP_PLAN, EventKind.CIN_PLAN])
        .order_by("-start_date")
        .first()
    )
    if plan is not None:
        facts["plan_start"] = f"{plan.get_kind_display()}, {_date(plan.start_date)}"
    episode = (
        events.filter(kind=EventKind.CIC_EPISODE).exclude(code="").order_by("-start_date").first()
    )
    if episode is not None:
        facts["legal_status"] = episode.code
    return facts


CASE_FACTS_ORDER = tuple(CASE_FACT_LABELS)
