"""The QA unit's "Audit tools" pages: every tool and its versions, a version's details and
preview, export, upload, compare, publish, retire and try (a practice form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from qaf.common.forms import service_errors
from qaf.common.permissions import gate

from .. import services
from ..definition import (
    KIND_LABELS,
    SERVICE_LABELS,
    DefinitionInvalid,
    ToolDefinition,
    check_size,
    definition_diff,
)
from ..forms import GRADE_FIELD, SectionForm, UploadForm
from ..models import ToolVersion, VersionStatus
from ..pages import acting_user, disabled_form, section_items
from ..selectors import tool_list, tool_version_current, tool_version_get, tool_with_versions
from ..workflows import TOOL_VERSION_WORKFLOW, version_takes_new_forms

STATUS_COLOURS: dict[str, str] = {
    VersionStatus.DRAFT: "grey",
    VersionStatus.PUBLISHED: "green",
    VersionStatus.RETIRED: "red",
}


@gate("tools.manage_tools")
@require_GET
def tool_list_page(request: HttpRequest) -> HttpResponse:
    tools = []
    for tool in tool_list():
        versions = list(tool.versions.all())
        current = next((v for v in versions if v.status == VersionStatus.PUBLISHED), None)
        tools.append(
            {
                "tool": tool,
                "versions": [{"v": v, "colour": STATUS_COLOURS[v.status]} for v in versions],
                "current": current,
            }
        )
    return render(request, "tools/tool_list.html", {"tools": tools})


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a YAML file as a new draft version (of a new or an existing tool)."""
    problems = []
    form = UploadForm(request.POST, request.FILES) if request.method == "POST" else UploadForm()
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:  # the problems are listed under the form, each with its line: a richer answer
            check_size(upload_file.size)  # before reading the file
            version = services.tool_version_import(
                yaml_text=upload_file.read(), by=acting_user(request)
            )
        except DefinitionInvalid as e:
            problems = e.problems
            form.add_error(
                "file",
                f"The file has {len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''}: see the list below",
            )
        else:
            messages.success(request, f"{version} uploaded as a draft")
            return redirect(_version_url(version))
    return render(request, "tools/upload.html", {"form": form, "problems": problems})


def _version_url(version: ToolVersion, name: str = "tools:version") -> str:
    return reverse(name, args=[version.tool.key, version.version])


@gate("tools.manage_tools")
@require_GET
def version_page(request: HttpRequest, key: str, version: int) -> HttpResponse:
    """A version's details and its preview: every section as a filler sees it, read-only."""
    tv = tool_version_get(key=key, version=version)
    definition = tv.definition
    previews = []
    for s in definition.sections:
        # Each section its own ids: the preview shows every section on one page.
        form = disabled_form(
            SectionForm(definition=definition, section_key=s.key, auto_id=f"id_{s.key}_%s")
        )
        previews.append(
            {
                "section": s,
                "items": section_items(form, None),
                "grade_field": form[GRADE_FIELD] if s.graded else None,
            }
        )
    others = [v for v in tool_with_versions(key=key).versions.all() if v.pk != tv.pk]
    current = tool_version_current(tool=tv.tool)
    return render(
        request,
        "tools/version.html",
        {
            "tv": tv,
            "definition": definition,
            "previews": previews,
            "others": others,
            "current": current,
            "colour": STATUS_COLOURS[tv.status],
            "rows": _version_rows(tv, definition, current),
            "steps": [
                {
                    "label": step.label,
                    "href": _version_url(tv, f"tools:{step.name}"),
                    "warning": step.name == "retire",
                }
                for step in TOOL_VERSION_WORKFLOW.available(tv, by=acting_user(request))
            ],
            "can_try": version_takes_new_forms(tv, practice=True),
        },
    )


def _version_rows(
    tv: ToolVersion, definition: ToolDefinition, current: ToolVersion | None
) -> list[tuple[str, str]]:
    def who(user: Any) -> str:
        return (user.get_full_name() or user.username) if user else "The shipped library"

    rows = [
        ("Key", tv.tool.key),
        ("Kind", KIND_LABELS.get(definition.kind, definition.kind)),
        (
            "Services",
            "All services"
            if definition.services == "all"
            else ", ".join(SERVICE_LABELS.get(s, s) for s in definition.services),
        ),
        ("Status", tv.get_status_display()),
        (
            "Grade scale",
            ", ".join(
                g.label + (" (good or better)" if g.good_or_better else "")
                for g in definition.grades()
            )
            or "No grades",
        ),
        ("Sections", str(len(definition.sections))),
        ("Questions", str(sum(1 for _ in definition.questions()))),
        ("Created", f"{tv.created_at:%-d %B %Y} by {who(tv.created_by)}"),
    ]
    if tv.published_at:
        rows.append(("Published", f"{tv.published_at:%-d %B %Y} by {who(tv.published_by)}"))
    if tv.retired_at:
        rows.append(("Retired", f"{tv.retired_at:%-d %B %Y} by {who(tv.retired_by)}"))
    if current is not None:
        rows.append(("Used for new forms", f"Version {current.version}"))
    return rows


@gate("tools.manage_tools")
@require_GET
def export(request: HttpRequest, key: str, version: int) -> HttpResponse:
    tv = tool_version_get(key=key, version=version)
    response = HttpResponse(tv.source_yaml, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{key}.v{version}.yaml"'
    return response


@gate("tools.manage_tools")
@require_GET
def compare(request: HttpRequest, key: str) -> HttpResponse:
    """Two versions side by side: ?from=1&to=2 (by default the two newest)."""
    tool = tool_with_versions(key=key)
    versions = list(tool.versions.all())
    by_number = {v.version: v for v in versions}
    errors = []

    def pick(name: str, default: ToolVersion | None) -> ToolVersion | None:
        raw = request.GET.get(name)
        if raw is None:
            return default
        if not raw.isdigit() or int(raw) not in by_number:
            errors.append(f"There is no version “{raw}” of this tool")
            return default
        return by_number[int(raw)]

    newest = versions[0] if versions else None
    old = pick("from", versions[1] if len(versions) > 1 else newest)
    new = pick("to", newest)
    changes = definition_diff(old.definition, new.definition) if old and new else []
    return render(
        request,
        "tools/compare.html",
        {
            "tool": tool,
            "versions": versions,
            "old": old,
            "new": new,
            "changes": changes,
            "errors": errors,
        },
    )


def _transition_page(request: HttpRequest, key: str, version: int, *, action: str) -> HttpResponse:
    tv = tool_version_get(key=key, version=version)
    form = forms.Form(request.POST or None)
    if request.method == "POST":
        with service_errors(form) as outcome:
            if action == "publish":
                tv = services.tool_version_publish(version=tv, by=acting_user(request))
                done = f"{tv} is published: new forms will use it"
            else:
                tv = services.tool_version_retire(version=tv, by=acting_user(request))
                done = f"{tv} is retired: forms already filled in stay readable"
        if outcome.ok:
            messages.success(request, done)
            return redirect(_version_url(tv))
    return render(request, "tools/confirm.html", {"tv": tv, "action": action, "form": form})


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, key: str, version: int) -> HttpResponse:
    return _transition_page(request, key, version, action="publish")


@gate("tools.manage_tools")
@require_http_methods(["GET", "POST"])
def retire(request: HttpRequest, key: str, version: int) -> HttpResponse:
    return _transition_page(request, key, version, action="retire")


@gate("tools.manage_tools")
@require_POST
def try_tool(request: HttpRequest, key: str, version: int) -> HttpResponse:
    """A practice form, authored by the QA officer, to test a draft or published version.
    POST only (outside the QA unit the page does not exist: the gate's 404 before 405)."""
    tv = tool_version_get(key=key, version=version)
    response = services.form_response_start(tool_version=tv, author=acting_user(request))
    return redirect("forms:task_list", response.pk)
