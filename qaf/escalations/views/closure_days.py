"""The council's closure days (QA unit)."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import services
from ..forms import ClosureDayForm
from ..selectors import closure_day_get, closure_day_list


@gate("escalations.manage_closure_days")
@require_http_methods(["GET", "POST"])
def closure_days(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = ClosureDayForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form, "date") as outcome:
            services.closure_day_add(
                date=form.cleaned_data["date"], reason=form.cleaned_data["reason"], by=user
            )
        if outcome.ok:
            messages.success(request, "Closure day added.")
            return redirect("escalations:closure_days")
    return render(
        request, "escalations/closure_days.html", {"form": form, "closures": closure_day_list()}
    )


@gate("escalations.manage_closure_days")
@require_POST
def closure_day_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    services.closure_day_remove(closure=closure_day_get(pk=pk), by=user)
    messages.success(request, "Closure day removed.")
    return redirect("escalations:closure_days")
