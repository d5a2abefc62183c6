"""Asking a second authorised person for a change, and deciding it."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import services
from ..forms import DecideForm, RequestForm
from ..models import SecondPersonRequestKind
from ..selectors import escalation_get_visible, second_person_request_get_visible
from ..workflows import SECOND_PERSON_WORKFLOW, request_kinds_possible


@gate("escalations.ask_second_person")
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    escalation = escalation_get_visible(user=user, pk=pk)
    kinds = [
        (k, label)
        for k, label in SecondPersonRequestKind.choices
        if k in request_kinds_possible(escalation)
    ]
    form = RequestForm(request.POST if request.method == "POST" else None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.second_person_request_create(
                escalation=escalation,
                kind=form.cleaned_data["kind"],
                by=user,
                reason=form.cleaned_data["reason"],
            )
        if outcome.ok:
            messages.success(request, "Request sent. A second authorised person must decide it.")
            return redirect("escalations:detail", escalation.pk)
    return render(request, "escalations/request.html", {"escalation": escalation, "form": form})


@gate("escalations.decide_second_person")
@require_http_methods(["GET", "POST"])
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    second = second_person_request_get_visible(user=user, pk=pk)
    # Decided already (409), or the person asked for it (403): nothing to decide here.
    SECOND_PERSON_WORKFLOW.check(second, "approve", by=user)
    steps = SECOND_PERSON_WORKFLOW.available(second, by=user)
    form = DecideForm(
        request.POST if request.method == "POST" else None,
        decisions=[(s.name, s.label) for s in steps],
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form) as outcome:
            services.second_person_request_decide(
                request=second,
                by=user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        if outcome.ok:
            messages.success(request, "Decision recorded.")
            return redirect("escalations:detail", second.escalation_id)
    return render(request, "escalations/decide.html", {"second": second, "form": form})
