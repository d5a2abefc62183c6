"""Pages for importing case data: upload, progress (polled without JavaScript), history."""

import csv
import io

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common.exports import spreadsheet_safe

from .forms import CaseImportForm
from .models import CaseImport
from .selectors import case_import_get, case_import_list
from .services import case_import_create
from .tasks import case_import_task

POLL_SECONDS = 2


def _qa_unit_only(request: HttpRequest) -> None:
    if not getattr(request.user, "is_qa_unit", False):
        raise Http404


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    _qa_unit_only(request)
    return render(request, "cases/import_list.html", {"imports": case_import_list()[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    _qa_unit_only(request)
    if request.method == "POST":
        form = CaseImportForm(request.POST, request.FILES)
    else:
        form = CaseImportForm()
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = case_import_create(
            file_name=upload.name,
            data=upload.read(),
            fmt=form.cleaned_data["format"],
            by=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
        transaction.on_commit(lambda: case_import_task.enqueue(record.pk))
        return redirect("case_data:import_detail", import_id=record.pk)
    return render(request, "cases/import_new.html", {"form": form})


def _get(request: HttpRequest, import_id: int) -> CaseImport:
    _qa_unit_only(request)
    record = case_import_get(pk=import_id)
    if record is None:
        raise Http404
    return record


@login_required
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _get(request, import_id)
    htmx = request.htmx  # type: ignore[attr-defined]  # set by django-htmx's middleware
    template = "cases/import_status.html" if htmx else "cases/import_detail.html"
    response = render(request, template, {"record": record, "poll_seconds": POLL_SECONDS})
    if not record.is_finished:
        # Browsers honour the Refresh header without JavaScript; htmx polls the status instead.
        response["Refresh"] = str(POLL_SECONDS)
    return response


@login_required
@require_GET
def import_errors_csv(request: HttpRequest, import_id: int) -> HttpResponse:
    record = _get(request, import_id)
    if not record.problems:
        raise Http404
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = ["sheet", "row", "column", "value", "expected", "message"]
    writer.writerow(columns)
    for problem in record.problems:
        writer.writerow([spreadsheet_safe(problem.get(column, "")) for column in columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{record.pk}-errors.csv"'
    return response
