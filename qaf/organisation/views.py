import csv
from typing import Any

from django.contrib import messages
from django.core import signing
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from qaf.common import clock
from qaf.common.errors import ImportProblem, ImportRefused, NotFound
from qaf.common.exports import spreadsheet_safe
from qaf.common.permissions import gate

from .forms import StaffImportForm
from .hr_extract import describe
from .http import SignedInRequest
from .selectors import (
    area_list_with_counts,
    import_run_list,
    organisation_counts,
    staff_current_members,
    team_get_visible,
    team_list_visible,
    team_list_with_current_counts,
)
from .services import StaffImportResult, staff_import


@gate("organisation.view_teams")
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    open_cases = Q(involvements__end_date__isnull=True) | Q(involvements__end_date__gte=today)
    teams = team_list_visible(user=request.user).annotate(
        open_cases=Count("involvements", filter=open_cases)
    )
    return render(request, "organisation/team_list.html", {"teams": teams})


@gate("organisation.view_teams")
@require_GET
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_visible(user=request.user, pk=team_id)
    members = staff_current_members(team=team).select_related("line_manager")
    return render(request, "organisation/team_detail.html", {"team": team, "members": members})


ERROR_SUMMARY_LIMIT = 50
REPORT_SALT = "qaf.organisation.import-error-report"
REPORT_MAX_AGE = 60 * 60  # seconds: the report lives only in the page that shows it
REPORT_COLUMNS = ("row", "column", "value", "expected", "message")


@gate("organisation.manage_structure")
@require_http_methods(["GET", "POST"])
def structure(request: SignedInRequest) -> HttpResponse:
    """The council's structure, the import form and the import history (QA unit only)."""
    result: StaffImportResult | None = None
    problems: list[ImportProblem] = []
    report = ""
    if request.method == "POST":
        form = StaffImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = staff_import(
                    file=upload,
                    size=upload.size or 0,
                    file_name=upload.name or "upload.csv",
                    by=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ImportRefused as exc:
                problems = exc.problems
                for problem in problems[:ERROR_SUMMARY_LIMIT]:
                    form.add_error("file", describe(problem))
                if len(problems) > ERROR_SUMMARY_LIMIT:
                    more = len(problems) - ERROR_SUMMARY_LIMIT
                    form.add_error(
                        "file",
                        f"There {'is' if more == 1 else 'are'} {more} more "
                        f"problem{'' if more == 1 else 's'}: see the table of problems "
                        "or download the error report.",
                    )
                report = signing.dumps(
                    [problem.as_dict() for problem in problems], salt=REPORT_SALT, compress=True
                )
            else:
                if result.dry_run:
                    messages.info(
                        request,
                        f"{result.file_name} has no problems. Nothing was imported: "
                        "untick 'Check the file without importing' to import it.",
                    )
                else:
                    messages.success(request, f"{result.file_name} was imported.")
                form = StaffImportForm()
    else:
        form = StaffImportForm()
    areas: Any = area_list_with_counts()  # annotated with district_count and team_count
    teams: Any = team_list_with_current_counts()  # annotated with current_members
    context = {
        "form": form,
        "result": result,
        "summary_rows": _summary_rows(result) if result else [],
        "warning_rows": [
            [p.row if p.row is not None else "File", p.column, p.message]
            for p in (result.warnings if result else [])
        ],
        "not_in_extract_rows": [
            [s.staff_id, s.full_name, s.get_job_role_display()]
            for s in (result.not_in_extract if result else [])
        ],
        "problem_rows": [
            [p.row if p.row is not None else "File", p.column, p.value, p.expected, p.message]
            for p in problems
        ],
        "report": report,
        "heads": {
            "warnings": ["Row", "Column", "Warning"],
            "not_in_extract": ["Staff ID", "Name", "Job role"],
            "problems": ["Row", "Column", "Value", "Expected", "Problem"],
            "areas": ["Area", "Districts", "Teams"],
            "teams": ["Team", "Code", "Kind", "District", "Area", "Service", "Current staff"],
            "runs": [
                "When",
                "By",
                "File",
                "Outcome",
                "Rows",
                "Created",
                "Updated",
                "Joined a team",
                "Left a team",
                "Teams created",
                "Problems",
            ],
        },
        "numeric": {"areas": [1, 2], "teams": [6], "runs": list(range(4, 11))},
        "counts": organisation_counts(),
        "area_rows": [[area.name, area.district_count, area.team_count] for area in areas],
        "team_rows": [
            [
                {"text": team.name, "href": reverse("organisation:team_detail", args=[team.pk])},
                team.code,
                team.get_kind_display(),
                team.district.name,
                team.district.area.name,
                team.service.name,
                team.current_members,
            ]
            for team in teams
        ],
        "run_rows": [
            [
                date_format(timezone.localtime(run.started_at), "j M Y H:i"),
                run.by.username if run.by else ("Command line" if run.via_command else "Unknown"),
                run.file_name,
                run.get_outcome_display(),
                run.rows_read,
                run.staff_created,
                run.staff_updated,
                run.memberships_opened,
                run.memberships_closed,
                run.teams_created,
                run.problems,
            ]
            for run in import_run_list()
        ],
    }
    return render(request, "organisation/structure.html", context)


def _summary_rows(result: StaffImportResult) -> list[tuple[str, object]]:
    return [
        ("File", result.file_name),
        ("Rows read", result.rows_read),
        ("Staff created", result.staff_created),
        ("Staff updated", result.staff_updated),
        ("Staff unchanged", result.staff_unchanged),
        ("Team memberships opened", result.memberships_opened),
        ("Team memberships closed", result.memberships_closed),
        ("Teams created", result.teams_created),
        ("Districts created", result.districts_created),
        ("Areas created", result.areas_created),
        ("Services created", result.services_created),
        ("Staff not in this extract", len(result.not_in_extract)),
        ("Warnings", len(result.warnings)),
    ]


@gate("organisation.manage_structure")
def import_error_report(request: HttpRequest) -> HttpResponse:
    """The refused file's problems as CSV, from the signed copy in the page that listed them.

    Nothing of the uploaded file is kept on the server: the report travels in the page. The
    gate comes before the method check: outside the QA unit the route does not exist.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        problems = signing.loads(
            request.POST.get("report", ""), salt=REPORT_SALT, max_age=REPORT_MAX_AGE
        )
    except signing.SignatureExpired:
        messages.error(request, "The error report has expired. Check the file again.")
        return redirect("organisation:structure")
    except signing.BadSignature as exc:  # no report in the form: there is nothing to download
        raise NotFound() from exc
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="import-problems.csv"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(REPORT_COLUMNS)
    for problem in problems:
        writer.writerow([spreadsheet_safe(problem.get(name)) for name in REPORT_COLUMNS])
    return response
