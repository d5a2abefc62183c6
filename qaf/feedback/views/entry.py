"""Staff entry: a telephone survey or a transcribed paper form, entered on the person's behalf."""

from __future__ import annotations

import urllib.parse

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from qaf.common.permissions import gate
from qaf.organisation.selectors import team_list_visible

from .. import services
from ..forms import EntryDetailsForm, EntryStartForm, SurveyForm, new_submission_key
from ..http import SignedInRequest
from ..models import Audience
from .display import child_by_council_id, submission_errors


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
            child = child_by_council_id(request.user, details.cleaned_data["child_id"])
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
