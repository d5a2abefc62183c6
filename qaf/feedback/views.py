"""Feedback pages: staff pages under /feedback/, the public survey under /f/<token>/."""

from __future__ import annotations

import csv
import urllib.parse
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.cases.selectors import child_list_visible
from qaf.common import clock
from qaf.common.errors import Conflict, NotAllowed, NotFound, RateLimited
from qaf.common.exports import spreadsheet_safe_row
from qaf.common.forms import service_errors
from qaf.common.permissions import gate, public
from qaf.organisation.models import Service
from qaf.organisation.selectors import team_list_visible
from qaf.tools.forms import display_answer

from . import selectors, services
from .forms import (
    AcknowledgeForm,
    AnalysisFilterForm,
    ComplaintForm,
    EntryDetailsForm,
    EntryStartForm,
    OpenLinkForm,
    RequestForm,
    SurveyForm,
    new_submission_key,
)
from .http import SignedInRequest
from .models import (
    CHILD_AUDIENCES,
    CHILD_LINKED_AUDIENCES,
    AlertStatus,
    Audience,
    FeedbackRequest,
    OpenLink,
    OpenLinkStatus,
)
from .qr import qr_svg
from .workflows import ALERT_WORKFLOW, OPEN_LINK_WORKFLOW


class submission_errors(service_errors):
    """service_errors that puts each message of a SubmissionInvalid on its own field."""

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> bool:
        if isinstance(error, services.SubmissionInvalid):
            self.ok = False
            for key, message in error.errors.items():
                self.form.add_error(key if key in self.form.fields else None, message)
            return True
        return super().__exit__(kind, error, tb)


def _when(value: Any) -> str:
    return f"{timezone.localtime(value):%-d %B %Y, %H:%M}" if value else ""


def _date(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def _child_by_id(user: Any, council_child_id: str) -> Any:
    return child_list_visible(user=user).filter(council_child_id=council_child_id.strip()).first()


# --------------------------------------------------------------------------------------------
# Staff: overview and requests
# --------------------------------------------------------------------------------------------


@gate("feedback.view_feedback")
@require_GET
def home(request: SignedInRequest) -> HttpResponse:
    now = clock.now()
    requests = selectors.request_list_visible(user=request.user)[:50]
    rows = [
        [
            {"text": r.reference_code, "href": reverse("feedback:request_detail", args=[r.pk])},
            r.get_audience_display(),
            r.child.council_child_id if r.child else (r.recipient or "Not about one child"),
            _date(r.created_at),
            selectors.request_status(r, now),
        ]
        for r in requests
    ]
    return render(
        request,
        "feedback/home.html",
        {
            "rows": rows,
            "head": ["Request", "Survey for", "About", "Created", "Status"],
            "open_alerts": selectors.safety_alert_list_visible(user=request.user)
            .filter(acknowledged_at__isnull=True)
            .count(),
        },
    )


@gate("feedback.request_feedback")
@require_http_methods(["GET", "POST"])
def request_new(request: SignedInRequest) -> HttpResponse:
    teams = team_list_visible(user=request.user)
    form = RequestForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        child = None
        if data["audience"] in ("child", Audience.PARENT_CARER):
            if not data["child_id"].strip():
                form.add_error("child_id", "Enter the council child ID")
            else:
                child = _child_by_id(request.user, data["child_id"])
                if child is None:
                    form.add_error("child_id", "No child in your caseload has that ID")
        made = None
        if not form.errors:
            try:
                with service_errors(form, "child_id" if child is not None else "audience"):
                    made = services.feedback_request_create(
                        by=request.user,
                        audience=data["audience"],
                        child=child,
                        team=data["team"],
                        recipient=data["recipient"],
                        email=data["email"],
                    )
            except NotAllowed as refusal:  # the form offers the staff survey to everyone
                form.add_error("audience", str(refusal))
        if made is not None:
            # The token exists only now: show the link and QR code once, ready to print.
            return render(
                request,
                "feedback/request_made.html",
                {
                    "feedback_request": made.request,
                    "url": request.build_absolute_uri(made.url),
                    "qr": qr_svg(request.build_absolute_uri(made.url)),
                    "emailed": bool(data["email"]),
                },
            )
    return render(request, "feedback/request_new.html", {"form": form})


@gate("feedback.view_feedback")
@require_GET
def request_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    r = selectors.request_get_visible(user=request.user, pk=pk)
    rows = [
        ("Survey", r.tool_version.tool.title),
        ("For", r.get_audience_display()),
        ("Child", r.child.council_child_id if r.child else ""),
        ("Team", str(r.team) if r.team else ""),
        ("Who it is for", r.recipient),
        ("Sent by", r.get_delivery_display()),
        ("Created", _when(r.created_at)),
        ("Link valid until", _when(r.expires_at)),
        ("Status", selectors.request_status(r)),
    ]
    response = getattr(r, "response", None)
    return render(
        request,
        "feedback/request_detail.html",
        {"feedback_request": r, "rows": rows, "response": response},
    )


# --------------------------------------------------------------------------------------------
# Staff: open links
# --------------------------------------------------------------------------------------------


@gate("feedback.publish_open_links")
@require_GET
def open_link_list(request: SignedInRequest) -> HttpResponse:
    rows = [
        [
            {"text": link.title, "href": reverse("feedback:open_link_detail", args=[link.pk])},
            link.get_audience_display(),
            str(link.team) if link.team else "",
            OpenLinkStatus(link.status).label,
            str(link.response_count),  # type: ignore[attr-defined]  # annotated by the selector
        ]
        for link in selectors.open_link_list_visible(user=request.user)
    ]
    return render(
        request,
        "feedback/open_link_list.html",
        {"rows": rows, "head": ["Published at", "For", "Team", "Status", "Responses"]},
    )


@gate("feedback.publish_open_links")
@require_http_methods(["GET", "POST"])
def open_link_new(request: SignedInRequest) -> HttpResponse:
    form = OpenLinkForm(request.POST or None, teams=team_list_visible(user=request.user))
    if request.method == "POST" and form.is_valid():
        with service_errors(form, "title") as outcome:
            made = services.open_link_create(
                by=request.user,
                title=form.cleaned_data["title"],
                audience=form.cleaned_data["audience"],
                team=form.cleaned_data["team"],
            )
        if outcome.ok:
            return redirect("feedback:open_link_detail", pk=made.link.pk)
    return render(request, "feedback/open_link_new.html", {"form": form})


@gate("feedback.publish_open_links")
@require_GET
def open_link_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    link = selectors.open_link_get_visible(user=request.user, pk=pk)
    url = request.build_absolute_uri(services.public_url(link.token))
    rows = [
        ("Published at", link.title),
        ("For", link.get_audience_display()),
        ("Team", str(link.team) if link.team else ""),
        ("Status", "Open" if link.is_open else f"Closed on {_when(link.closed_at)}"),
        ("Responses", str(link.response_count)),  # type: ignore[attr-defined]
    ]
    return render(
        request,
        "feedback/open_link_detail.html",
        {
            "link": link,
            "rows": rows,
            "url": url,
            "qr": qr_svg(url) if link.is_open else "",
            "steps": {s.name: s for s in OPEN_LINK_WORKFLOW.available(link, by=request.user)},
        },
    )


@gate("feedback.publish_open_links")
@require_GET
def open_link_print(request: SignedInRequest, pk: int) -> HttpResponse:
    link = selectors.open_link_get_visible(user=request.user, pk=pk)
    if not link.is_open:  # a closed link has no card to print
        raise NotFound()
    url = request.build_absolute_uri(services.public_url(link.token))
    return render(
        request,
        "feedback/print_card.html",
        {"title": link.title, "url": url, "qr": qr_svg(url), "audience": link.audience},
    )


@gate("feedback.publish_open_links")
@require_POST
def open_link_close(request: SignedInRequest, pk: int) -> HttpResponse:
    link = selectors.open_link_get_visible(user=request.user, pk=pk)
    services.open_link_close(link=link, by=request.user)  # closed already: the 409 page
    return redirect("feedback:open_link_detail", pk=link.pk)


# --------------------------------------------------------------------------------------------
# Staff: responses and staff entry
# --------------------------------------------------------------------------------------------


def _answer_rows(response: Any) -> list[dict[str, Any]]:
    definition = response.tool_version.definition
    rows = []
    for q in definition.questions():
        if q.key not in response.answers:
            continue
        value = response.answers[q.key]
        quoted = q.type in ("own_words", "long_text", "short_text")
        rows.append(
            {
                "label": q.label,
                "text": value if quoted else display_answer(definition, q, value),
                "quoted": quoted,
            }
        )
    return rows


@gate("feedback.view_feedback")
@require_GET
def response_list(request: SignedInRequest) -> HttpResponse:
    responses = selectors.response_list_visible(user=request.user)[:200]
    rows = [
        [
            {"text": r.reference_code, "href": reverse("feedback:response_detail", args=[r.pk])},
            _date(r.submitted_at),
            r.get_audience_display(),
            r.get_mode_display(),
            str(r.team) if r.team else "",
            "Yes" if hasattr(r, "safety_alert") else "No",
        ]
        for r in responses.select_related("safety_alert")
    ]
    return render(
        request,
        "feedback/response_list.html",
        {"rows": rows, "head": ["Response", "Submitted", "From", "How", "Team", "Safety alert"]},
    )


@gate("feedback.view_feedback")
@require_GET
def response_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    r = selectors.response_get_visible(user=request.user, pk=pk)
    source = (
        f"Open link: {r.open_link.title}"
        if r.open_link
        else (f"Request {r.request.reference_code}" if r.request else "Entered by staff")
    )
    rows = [
        ("Survey", r.tool_version.tool.title),
        ("From", r.get_audience_display()),
        ("How", r.get_mode_display()),
        ("Source", source),
        (
            "Entered by",
            r.entered_by.get_full_name() or r.entered_by.username if r.entered_by else "",
        ),
        ("Submitted", _when(r.submitted_at)),
        ("Child", r.child.council_child_id if r.child else "Not linked"),
        ("Team", str(r.team) if r.team else ""),
        ("Anonymity", r.get_anonymity_display()),
        ("Words may be quoted in reports", "Yes" if r.consent_to_quote else "No"),
    ]
    alert = getattr(r, "safety_alert", None)
    return render(
        request,
        "feedback/response_detail.html",
        {"response": r, "rows": rows, "answers": _answer_rows(r), "alert": alert},
    )


@gate("feedback.enter_feedback")
@require_http_methods(["GET", "POST"])
def entry(request: SignedInRequest) -> HttpResponse:
    """Staff enter a telephone survey or transcribe a paper form. Step 1 (GET without audience)
    chooses who and how; step 2 shows the survey with the details."""
    start = EntryStartForm(request.GET if "audience" in request.GET else None)
    if not start.is_bound or not start.is_valid():
        return render(request, "feedback/entry_start.html", {"form": start})
    audience, mode = start.cleaned_data["audience"], start.cleaned_data["mode"]
    version = services.survey_version_for(audience=audience)
    teams = team_list_visible(user=request.user)
    data = request.POST if request.method == "POST" else None
    details = EntryDetailsForm(data, teams=teams, prefix="entry")
    survey = SurveyForm(
        data,
        definition=version.definition,
        audience=audience,
        ask_link_consent=False,
        initial={"submission_key": new_submission_key()},
    )
    if request.method == "POST":
        details_ok, survey_ok = details.is_valid(), survey.is_valid()
        child = None
        if details_ok and details.cleaned_data["child_id"].strip():
            child = _child_by_id(request.user, details.cleaned_data["child_id"])
            if child is None:
                details.add_error("child_id", "No child you can see has that ID")
        if (
            details_ok
            and details.cleaned_data["consent_to_link"]
            and child is None
            and not details.errors
        ):
            details.add_error("child_id", "Enter the council child ID to link the answers")
        if details_ok and survey_ok and not details.errors:
            with submission_errors(survey) as outcome:
                done = services.feedback_response_enter(
                    by=request.user,
                    audience=audience,
                    mode=mode,
                    answers=survey.answers(),
                    child=child,
                    consent_to_link=details.cleaned_data["consent_to_link"],
                    consent_to_quote=survey.cleaned_data["consent_to_quote"] == "yes",
                    team=details.cleaned_data["team"],
                    submission_key=survey.cleaned_data["submission_key"],
                )
            if outcome.ok:
                return redirect("feedback:response_detail", pk=done.response.pk)
    return render(
        request,
        "feedback/entry.html",
        {
            "details": details,
            "form": survey,
            "audience_label": Audience(audience).label,
            "mode_label": dict(EntryStartForm.base_fields["mode"].choices)[mode],  # type: ignore[attr-defined]
            "query": urllib.parse.urlencode({"audience": audience, "mode": mode}),
        },
    )


# --------------------------------------------------------------------------------------------
# QA unit: analysis, export, duty inbox
# --------------------------------------------------------------------------------------------


def _analysis_filter(request: HttpRequest) -> tuple[AnalysisFilterForm, selectors.AnalysisFilter]:
    form = AnalysisFilterForm(
        request.GET or None,
        services=Service.objects.all(),
        teams=team_list_visible(user=request.user),
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        f = selectors.AnalysisFilter(
            audience=d["audience"] or "",
            service_id=d["service"].pk if d["service"] else None,
            team_id=d["team"].pk if d["team"] else None,
            date_from=d["date_from"],
            date_to=d["date_to"],
            text=d["text"] or "",
        )
        return form, f
    return form, selectors.AnalysisFilter()


@gate("feedback.analyse_feedback")
@require_GET
def analysis(request: SignedInRequest) -> HttpResponse:
    form, f = _analysis_filter(request)
    result = selectors.feedback_analysis(f=f)
    return render(
        request,
        "feedback/analysis.html",
        {
            "form": form,
            "rates": [
                [r["audience"], r["sent"], r["answered"], r["rate"], r["open_link"], r["total"]]
                for r in result["rates"]
            ],
            "ratings": [
                [r["audience"], r["question"], r["count"], r["mean"]] for r in result["ratings"]
            ],
            "comments": result["comments"][:200],
            "comment_count": len(result["comments"]),
            "complaint_counts": result["complaint_counts"],
            "export_query": request.GET.urlencode(),
            "rates_head": ["Audience", "Requests sent", "Answered", "Rate", "Open link", "All"],
            "ratings_head": ["Audience", "Question", "Answers", "Average"],
            "numeric": [1, 2, 4, 5],
        },
    )


EXPORT_HEAD = [
    "Response",
    "Submitted",
    "Audience",
    "How",
    "Service",
    "Team",
    "Open link",
    "Question",
    "Answer",
]


@gate("feedback.analyse_feedback")
@require_GET
def analysis_export(request: SignedInRequest) -> HttpResponse:
    form, f = _analysis_filter(request)
    if form.is_bound and not form.is_valid():
        return render(
            request, "feedback/problem.html", {"message": "Check the filters"}, status=400
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="feedback-responses.csv"'
    writer = csv.writer(response)
    writer.writerow(EXPORT_HEAD)
    for r in selectors.feedback_analysis(f=f)["responses"]:
        definition = r.tool_version.definition
        for q in definition.questions():
            if q.key not in r.answers:
                continue
            value = r.answers[q.key]
            text = (
                value
                if q.type in ("own_words", "long_text", "short_text")
                else display_answer(definition, q, value)
            )
            writer.writerow(
                spreadsheet_safe_row(
                    [
                        r.reference_code,
                        f"{timezone.localtime(r.submitted_at):%Y-%m-%d %H:%M}",
                        r.get_audience_display(),
                        r.get_mode_display(),
                        str(r.service) if r.service else "",
                        str(r.team) if r.team else "",
                        r.open_link.title if r.open_link else "",
                        q.label,
                        text,
                    ]
                )
            )
    return response


@gate("feedback.handle_safety_alerts")
@require_GET
def alert_list(request: SignedInRequest) -> HttpResponse:
    rows = [
        [
            {"text": a.reference_code, "href": reverse("feedback:alert_detail", args=[a.pk])},
            _when(a.raised_at),
            a.response.get_audience_display(),
            a.get_route_display(),
            AlertStatus(a.status).label,
        ]
        for a in selectors.safety_alert_list_visible(user=request.user)
    ]
    return render(
        request,
        "feedback/alert_list.html",
        {"rows": rows, "head": ["Alert", "Raised", "From", "Routed to", "Status"]},
    )


@gate("feedback.handle_safety_alerts")
@require_http_methods(["GET", "POST"])
def alert_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    alert = selectors.safety_alert_get_visible(user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, "action_taken") as outcome:
            services.safety_alert_acknowledge(
                alert=alert, by=request.user, action_taken=form.cleaned_data["action_taken"]
            )
        if outcome.ok:
            return redirect("feedback:alert_detail", pk=alert.pk)
    r = alert.response
    rows = [
        ("Raised", _when(alert.raised_at)),
        ("Routed to", alert.get_route_display()),
        ("Escalation", alert.escalation.reference_code if alert.escalation else "None"),
        ("Source", f"Open link: {r.open_link.title}" if r.open_link else r.get_mode_display()),
        ("Team", str(r.team) if r.team else ""),
        ("Acknowledged", _when(alert.acknowledged_at) if alert.acknowledged_at else "Not yet"),
    ]
    return render(
        request,
        "feedback/alert_detail.html",
        {
            "alert": alert,
            "rows": rows,
            "answers": _answer_rows(r),
            "form": form,
            "response": r,
            "steps": {s.name: s for s in ALERT_WORKFLOW.available(alert, by=request.user)},
        },
    )


# --------------------------------------------------------------------------------------------
# QA unit: complaints and compliments
# --------------------------------------------------------------------------------------------


def _timescale(entry: Any) -> str:
    within = entry.within_timescale
    if within is None:
        return "Not responded yet" if entry.response_due_on else "No timescale"
    return "Yes" if within else "No"


@gate("feedback.keep_complaints_log")
@require_GET
def complaint_list(request: SignedInRequest) -> HttpResponse:
    rows = [
        [
            {"text": c.reference_code, "href": reverse("feedback:complaint_detail", args=[c.pk])},
            c.get_kind_display(),
            _date(c.received_on),
            str(c.team or c.service or ""),
            c.get_category_display(),
            c.get_outcome_display() if c.outcome else "Not decided yet",
            _timescale(c),
        ]
        for c in selectors.complaint_list_visible(user=request.user)[:500]
    ]
    head = ["Reference", "Kind", "Received", "Team or service", "Category", "Outcome"]
    return render(
        request,
        "feedback/complaint_list.html",
        {"rows": rows, "head": [*head, "Within timescale"]},
    )


def _complaint_form(request: HttpRequest, **kwargs: Any) -> ComplaintForm:
    return ComplaintForm(
        request.POST or None,
        services=Service.objects.all(),
        teams=team_list_visible(user=request.user),
        **kwargs,
    )


@gate("feedback.keep_complaints_log")
@require_http_methods(["GET", "POST"])
def complaint_new(request: SignedInRequest) -> HttpResponse:
    form = _complaint_form(request)
    if request.method == "POST" and form.is_valid():
        with submission_errors(form) as outcome:
            entry_ = services.complaint_create(by=request.user, **form.cleaned_data)
        if outcome.ok:
            return redirect("feedback:complaint_detail", pk=entry_.pk)
    return render(
        request,
        "feedback/complaint_form.html",
        {"form": form, "entry": None, "stage1_days": settings.QAF_COMPLAINT_STAGE1_WORKING_DAYS},
    )


@gate("feedback.keep_complaints_log")
@require_http_methods(["GET", "POST"])
def complaint_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    c = selectors.complaint_get_visible(user=request.user, pk=pk)
    initial = {
        "kind": c.kind,
        "received_on": c.received_on,
        "service": c.service,
        "team": c.team,
        "category": c.category,
        "summary": c.summary,
        "outcome": c.outcome,
        "learning": c.learning,
        "responded_on": c.responded_on,
    }
    form = _complaint_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        with submission_errors(form) as outcome:
            services.complaint_update(entry=c, by=request.user, **form.cleaned_data)
        if outcome.ok:
            return redirect("feedback:complaint_detail", pk=c.pk)
    rows = [
        ("Kind", c.get_kind_display()),
        ("Received", _date(c.received_on)),
        ("Service", str(c.service) if c.service else ""),
        ("Team", str(c.team) if c.team else ""),
        ("Category", c.get_category_display()),
        ("Outcome", c.get_outcome_display() if c.outcome else "Not decided yet"),
        ("Response due", _date(c.response_due_on)),
        ("Responded", _date(c.responded_on)),
        ("Within timescale", _timescale(c)),
    ]
    return render(request, "feedback/complaint_form.html", {"form": form, "entry": c, "rows": rows})


@gate("feedback.keep_complaints_log")
@require_GET
def complaint_export(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="complaints-and-compliments.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "Reference",
            "Kind",
            "Received",
            "Service",
            "Team",
            "Category",
            "Summary",
            "Outcome",
            "Learning",
            "Response due",
            "Responded",
            "Within timescale",
        ]
    )
    for c in selectors.complaint_list_visible(user=request.user):
        writer.writerow(
            spreadsheet_safe_row(
                [
                    c.reference_code,
                    c.get_kind_display(),
                    c.received_on.isoformat(),
                    str(c.service) if c.service else "",
                    str(c.team) if c.team else "",
                    c.get_category_display(),
                    c.summary,
                    c.get_outcome_display() if c.outcome else "",
                    c.learning,
                    c.response_due_on.isoformat() if c.response_due_on else "",
                    c.responded_on.isoformat() if c.responded_on else "",
                    _timescale(c),
                ]
            )
        )
    return response


# --------------------------------------------------------------------------------------------
# Public: the survey (no account)
# --------------------------------------------------------------------------------------------


def _link_not_valid(request: HttpRequest) -> HttpResponse:
    """One page, one status, for every unknown, expired, used or closed link."""
    return render(request, "feedback/public/not_valid.html", status=404)


def _body_is_valid_utf8(request: HttpRequest) -> bool:
    """Django replaces undecodable bytes silently; a survey answer must arrive as sent."""
    if request.content_type != "application/x-www-form-urlencoded":
        return True
    try:
        urllib.parse.parse_qsl(
            request.body.decode("ascii", "strict"),
            encoding="utf-8",
            errors="strict",
            keep_blank_values=True,
        )
    except (UnicodeDecodeError, ValueError):
        return False
    return True


def _client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _confirmation(
    request: HttpRequest, *, audience: str, alert: bool, anonymous: bool
) -> HttpResponse:
    return render(
        request,
        "feedback/public/thanks.html",
        {
            "audience": audience,
            "is_child": audience in CHILD_AUDIENCES,
            "alert": alert,
            "anonymous": anonymous,
            "front_door": settings.QAF_CHILDRENS_FRONT_DOOR_PHONE,
        },
    )


@public  # the person answering has no account: the token is the key
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    target = services.link_find(token=token)
    if request.method == "POST" and target is None:
        retry = services.response_for_retry(
            token=token, submission_key=str(request.POST.get("submission_key", ""))
        )
        if retry is not None:
            return _confirmation(
                request,
                audience=retry.response.audience,
                alert=retry.alert is not None,
                anonymous=retry.response.child_id is None,
            )
    if target is None:
        return _link_not_valid(request)
    is_open_link = isinstance(target, OpenLink)
    ask_link_consent = (
        isinstance(target, FeedbackRequest)
        and target.child is not None
        and target.audience in CHILD_LINKED_AUDIENCES
    )
    context: dict[str, Any] = {
        "audience": target.audience,
        "is_child": target.audience in CHILD_AUDIENCES,
        "title": target.tool_version.tool.title,
        "is_open_link": is_open_link,
    }
    if request.method == "POST":
        if not _body_is_valid_utf8(request):
            form = SurveyForm(
                definition=target.tool_version.definition,
                audience=target.audience,
                ask_link_consent=ask_link_consent,
                initial={"submission_key": new_submission_key()},
            )
            context.update(form=form, encoding_problem=True)
            return render(request, "feedback/public/survey.html", context, status=400)
        if is_open_link:
            assert isinstance(target, OpenLink)
            try:
                services.open_link_admit(
                    link=target, client=services.client_key(_client_address(request))
                )
            except RateLimited:
                return render(request, "feedback/public/too_many.html", status=429)
            if request.POST.get("website"):
                # The honeypot: people never see it, so whatever filled it is discarded.
                return _confirmation(request, audience=target.audience, alert=False, anonymous=True)
        form = SurveyForm(
            request.POST,
            definition=target.tool_version.definition,
            audience=target.audience,
            ask_link_consent=ask_link_consent,
        )
        if form.is_valid():
            try:
                with submission_errors(form) as outcome:
                    done = services.feedback_response_submit(
                        target=target,
                        answers=form.answers(),
                        anonymity=form.cleaned_data.get("anonymity") or "anonymous",
                        consent_to_quote=form.cleaned_data["consent_to_quote"] == "yes",
                        submission_key=form.cleaned_data["submission_key"],
                    )
            except Conflict:  # used or expired since the page opened
                return _link_not_valid(request)
            if outcome.ok:
                return _confirmation(
                    request,
                    audience=target.audience,
                    alert=done.alert is not None,
                    anonymous=done.response.child_id is None,
                )
        context["form"] = form
        return render(request, "feedback/public/survey.html", context)
    context["form"] = SurveyForm(
        definition=target.tool_version.definition,
        audience=target.audience,
        ask_link_consent=ask_link_consent,
        initial={"submission_key": new_submission_key()},
    )
    return render(request, "feedback/public/survey.html", context)
