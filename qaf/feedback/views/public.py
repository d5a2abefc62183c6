"""The public survey under /f/<token>/: for people without an account; the token is the key."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from qaf.common.errors import Conflict, RateLimited
from qaf.common.permissions import public

from .. import services
from ..forms import SurveyForm, new_submission_key
from ..models import CHILD_AUDIENCES, CHILD_LINKED_AUDIENCES, FeedbackRequest, OpenLink
from .display import submission_errors


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
