"""Feedback pages for links: the overview, single-use survey requests (the link and QR code
are shown once: only the token's hash is kept) and open links for posters and leaflets."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common import clock
from qaf.common.errors import NotAllowed, NotFound
from qaf.common.forms import service_errors
from qaf.common.permissions import gate
from qaf.organisation.selectors import team_list_visible

from .. import selectors, services
from ..forms import OpenLinkForm, RequestForm
from ..http import SignedInRequest
from ..models import Audience, OpenLinkStatus
from ..qr import qr_svg
from ..workflows import OPEN_LINK_WORKFLOW
from .display import child_by_council_id, date_text, when


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
            date_text(r.created_at),
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
                child = child_by_council_id(request.user, data["child_id"])
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
        ("Created", when(r.created_at)),
        ("Link valid until", when(r.expires_at)),
        ("Status", selectors.request_status(r)),
    ]
    response = getattr(r, "response", None)
    return render(
        request,
        "feedback/request_detail.html",
        {"feedback_request": r, "rows": rows, "response": response},
    )


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
        ("Status", "Open" if link.is_open else f"Closed on {when(link.closed_at)}"),
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
