"""Writes for audit tools and filled forms (responses).

Tool versions move draft -> published -> retired and responses draft -> submitted, as
qaf.tools.workflows says (TOOL_VERSION_WORKFLOW, FORM_RESPONSE_WORKFLOW): a published or retired
version's source never changes, and a submitted response is refused by every write here
(ResponseLocked), whatever route the request came through.
Every response write passes the `row_version` it read: a stale one raises FormResponseConflict,
which carries the newer saved answers so the page can show both texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction

from qaf.accounts.models import User
from qaf.common import clock
from qaf.common.errors import Conflict, IllegalTransition, Invalid, NotAllowed

from . import answers as ans
from .definition import (
    DefinitionInvalid,
    Problem,
    ToolDefinition,
    library_index,
    library_read,
    load_library,
    parse_definition,
    suggest_grade,
    visible_questions,
)
from .models import FormResponse, Tool, ToolVersion, VersionStatus

if TYPE_CHECKING:
    from qaf.cases.models import Child

from .selectors import tool_version_current
from .workflows import (
    FORM_RESPONSE_WORKFLOW,
    TOOL_VERSION_WORKFLOW,
    version_is_editable,
    version_takes_new_forms,
)


class ResponseLocked(IllegalTransition):
    """The response is submitted: nothing may change it (a Conflict, 409)."""


class FormResponseConflict(Conflict):
    """Someone saved the response after the caller read it. `current` is the response as saved
    now; `attempted` is what the caller tried to save (the view shows both)."""

    def __init__(self, *, current: FormResponse, attempted: Mapping[str, Any]) -> None:
        self.current = current
        self.attempted = dict(attempted)
        super().__init__(
            "These answers were changed somewhere else (another tab or device) after you "
            "opened this page. Your answers have not been saved: compare them with the saved "
            "ones below and save again."
        )


class FormIncomplete(Invalid):
    """Something required is missing; `missing` lists each thing, in form order."""

    def __init__(self, missing: list[ans.Missing]) -> None:
        self.missing = missing
        super().__init__(
            "The form cannot be submitted yet: " + "; ".join(m.message for m in missing)
        )


@dataclass
class SectionSaveResult:
    response: FormResponse
    errors: dict[str, str] = field(default_factory=dict)
    """question key (or "grade" / "grade_reason") -> message; bad values were not saved."""
    completed: bool = False


# --------------------------------------------------------------------------------------------
# Tools and versions
# --------------------------------------------------------------------------------------------


def tool_version_latest(*, key: str) -> ToolVersion | None:
    return ToolVersion.objects.filter(tool__key=key).order_by("-version").first()


@transaction.atomic
def tool_version_import(*, yaml_text: str | bytes, by: User) -> ToolVersion:
    """Create a draft version from uploaded YAML. Raises DefinitionInvalid, changing nothing.

    A version that follows an existing one is checked against the latest version of the same
    tool: the version number must be greater and no question key may change its meaning.
    """
    definition = parse_definition(yaml_text)  # the size first, then everything else
    previous = tool_version_latest(key=definition.key)
    if previous is not None:
        definition = parse_definition(yaml_text, previous=previous.definition)
    text = yaml_text.decode("utf-8") if isinstance(yaml_text, bytes) else yaml_text
    return _version_create(definition=definition, source=text, by=by, status=VersionStatus.DRAFT)


def _version_create(
    *, definition: ToolDefinition, source: str, by: User | None, status: str
) -> ToolVersion:
    now = clock.now()
    services = "all" if definition.services == "all" else list(definition.services)
    tool, _ = Tool.objects.select_for_update().get_or_create(
        key=definition.key,
        defaults={
            "title": definition.title,
            "kind": definition.kind,
            "services": services,
            "created_at": now,
        },
    )
    if ToolVersion.objects.filter(tool=tool, version=definition.version).exists():
        raise DefinitionInvalid(
            [Problem(None, "version", f"Version {definition.version} of this tool already exists")]
        )
    published = status == VersionStatus.PUBLISHED
    created = ToolVersion.objects.create(
        tool=tool,
        version=definition.version,
        title=definition.title,
        status=status,
        source_yaml=source,
        definition_data=definition.to_dict(),
        created_by=by,
        created_at=now,
        published_at=now if published else None,
        published_by=by if published else None,
    )
    _tool_follows_current(tool)
    return created


def _tool_follows_current(tool: Tool) -> None:
    """The tool is known by the version new forms use (the highest published one) or, before
    one is published, by its newest version. A draft never renames a tool in use."""
    shown = (
        tool_version_current(tool=tool)
        or ToolVersion.objects.filter(tool=tool).order_by("-version").first()
    )
    if shown is None:
        return
    data = shown.definition_data
    tool.title, tool.kind, tool.services = data["title"], data["kind"], data["services"]
    tool.save(update_fields=["title", "kind", "services"])


def _move(version: ToolVersion, step: str, by: User) -> ToolVersion:
    """Lock the version and take the workflow's step (IllegalTransition, NotAllowed)."""
    locked = ToolVersion.objects.select_for_update().get(pk=version.pk)
    TOOL_VERSION_WORKFLOW.move(locked, step, by=by)
    return locked


@transaction.atomic
def tool_version_publish(*, version: ToolVersion, by: User) -> ToolVersion:
    """Publish a draft. It becomes the version new forms use when it is the highest published
    one; older published versions stay in use for forms already started."""
    locked = _move(version, "publish", by)
    locked.published_at, locked.published_by = clock.now(), by
    locked.save(update_fields=["status", "published_at", "published_by"])
    _tool_follows_current(locked.tool)
    return locked


@transaction.atomic
def tool_version_retire(*, version: ToolVersion, by: User) -> ToolVersion:
    """Stop new use of a published version; forms filled in with it stay readable."""
    locked = _move(version, "retire", by)
    locked.retired_at, locked.retired_by = clock.now(), by
    locked.save(update_fields=["status", "retired_at", "retired_by"])
    _tool_follows_current(locked.tool)
    return locked


@transaction.atomic
def tool_version_update_draft(*, version: ToolVersion, yaml_text: str, by: User) -> ToolVersion:
    """Replace a draft's definition (same tool, same version number). Refused once published."""
    locked = ToolVersion.objects.select_for_update().get(pk=version.pk)
    if not version_is_editable(locked):
        raise Conflict(
            f"Version {locked.version} is {locked.get_status_display().lower()}: its "
            "definition can never change. Upload a new version instead."
        )
    earlier = (
        ToolVersion.objects.filter(tool=locked.tool, version__lt=locked.version)
        .order_by("-version")
        .first()
    )
    definition = parse_definition(yaml_text, previous=earlier.definition if earlier else None)
    if definition.key != locked.tool.key or definition.version != locked.version:
        raise DefinitionInvalid(
            [Problem(None, "key", "The file is a different tool or version from this draft")]
        )
    locked.source_yaml, locked.definition_data = yaml_text, definition.to_dict()
    locked.title = definition.title
    locked.save(update_fields=["source_yaml", "definition_data", "title"])
    _tool_follows_current(locked.tool)
    return locked


@transaction.atomic
def tool_library_load(*, by: User | None = None) -> list[ToolVersion]:
    """Create, published, every shipped definition the database does not hold yet (by tool key
    and version). Idempotent: running it again creates nothing.

    Every shipped file is checked first, whether or not it is loaded: an invalid file (or one
    whose name does not match its key and version) raises DefinitionInvalid naming the file, and
    nothing is created."""
    checked = load_library()
    created = []
    for (key, path), definition in zip(library_index(), checked, strict=True):
        previous = tool_version_latest(key=key)
        if previous is not None and previous.version >= definition.version:
            continue
        if previous is not None:  # check it against the version actually in use
            definition = library_read(path, previous=previous.definition)
        created.append(
            _version_create(
                definition=definition,
                source=path.read_text(encoding="utf-8"),
                by=by,
                status=VersionStatus.PUBLISHED,
            )
        )
    return created


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


@transaction.atomic
def form_response_start(
    *,
    tool_version: ToolVersion,
    author: User,
    child: Child | None = None,
    purpose: str = "practice",
) -> FormResponse:
    """A new draft response pinned to `tool_version`. Retired versions are refused; drafts are
    allowed only for a practice run (a QA officer trying a tool before publishing it)."""
    if not version_takes_new_forms(tool_version, practice=purpose == "practice"):
        if tool_version.status == VersionStatus.DRAFT:
            raise Conflict(f"{tool_version} is a draft: publish it before using it")
        raise Conflict(f"{tool_version} is retired: it cannot be used for new forms")
    now = clock.now()
    return FormResponse.objects.create(
        tool_version=tool_version,
        child=child,
        purpose=purpose,
        author=author,
        created_at=now,
        updated_at=now,
    )


def _lock_for_write(
    response: FormResponse, by: User, expected_version: int, step: str = "save"
) -> FormResponse:
    """Lock the response and check the workflow allows `step` to `by` (ResponseLocked once
    submitted, NotAllowed for anyone but the author), then that it is the version `by` read
    (FormResponseConflict)."""
    locked = FormResponse.objects.select_for_update().get(pk=response.pk)  # the row alone
    if (
        FormResponse.tool_version.is_cached(response)
        and locked.tool_version_id == response.tool_version_id
        and not version_is_editable(response.tool_version)
    ):
        # A published or retired version never changes: reuse the one already read.
        locked.tool_version = response.tool_version
    try:
        FORM_RESPONSE_WORKFLOW.check(locked, step, by=by)
    except IllegalTransition:
        raise ResponseLocked("This form has been submitted: it can no longer be changed") from None
    except NotAllowed:
        raise NotAllowed("Only the person filling in this form can change it") from None
    if locked.row_version != expected_version:
        raise FormResponseConflict(current=locked, attempted={})
    return locked


def _grade_check(
    definition: ToolDefinition,
    section_key: str | None,
    answers: Mapping[str, Any],
    grade: str,
    reason: str,
    section_grades: Mapping[str, str] | None = None,
) -> tuple[str, str | None]:
    """(suggested grade or "", error or None) for a chosen grade."""
    suggested = suggest_grade(definition, section_key, answers, section_grades=section_grades) or ""
    labels = {g.value: g.label for g in definition.grades()}
    if grade and grade not in labels:
        return suggested, "Select one of the grades given"
    if grade and suggested and grade != suggested and not reason.strip():
        return suggested, (
            f"Give a reason for choosing {labels[grade]} when the suggested grade is "
            f"{labels[suggested]}"
        )
    return suggested, None


def _same_as_saved(
    saved: FormResponse,
    section_key: str,
    data: Mapping[str, Any],
    grade: str | None,
    grade_reason: str,
) -> bool:
    """Whether saving `data` (and the grade) would leave the saved section exactly as it is."""
    definition = saved.definition
    try:
        section = definition.section(section_key)
    except KeyError:
        return False
    keys = {q.key for q in section.questions}
    for key, value in data.items():
        if key not in keys:
            return False
        stored = saved.answers.get(key)
        if ans.is_blank(value):
            if not ans.is_blank(stored):
                return False
            continue
        try:
            if ans.answer_clean(definition, definition.question(key), value) != stored:
                return False
        except ans.AnswerInvalid:
            return False
    if section.graded and grade is not None:
        current = saved.section_grades.get(section_key) or {}
        if grade != current.get("grade", "") or (grade and grade_reason != current.get("reason")):
            return False
    return True


@transaction.atomic
def form_response_save_section(
    *,
    response: FormResponse,
    section_key: str,
    data: Mapping[str, Any],
    by: User,
    expected_version: int,
    grade: str | None = None,
    grade_reason: str = "",
    complete: bool = False,
) -> SectionSaveResult:
    """Save one section's answers (a draft save keeps whatever is valid).

    `data` maps question keys of the section to values in their stored shape (answers.py);
    a blank value clears the answer. Bad values are not saved and come back in `errors` (the
    page keeps what was typed). With `complete=True` the section is marked completed when every
    required shown question is answered (and, for a graded section, a grade chosen); otherwise
    what is missing is added to `errors`. Raises ResponseLocked, FormResponseConflict.
    """
    try:
        locked = _lock_for_write(response, by, expected_version)
    except FormResponseConflict as conflict:
        # A stale save that changes nothing (e.g. the page's own autosave stored these very
        # answers a moment before "Save and continue") loses nobody's work: carry on.
        if not _same_as_saved(conflict.current, section_key, data, grade, grade_reason):
            raise FormResponseConflict(current=conflict.current, attempted=data) from None
        locked = conflict.current
    definition = locked.definition
    try:
        section = definition.section(section_key)
    except KeyError:
        raise Invalid(f"This form has no section “{section_key}”") from None
    keys = {q.key for q in section.questions}
    answers = dict(locked.answers)
    errors: dict[str, str] = {}
    for key, value in data.items():
        if key not in keys:
            errors[key] = f"“{key}” is not a question in the section “{section.title}”"
            continue
        if ans.is_blank(value):
            answers.pop(key, None)
            continue
        try:
            answers[key] = ans.answer_clean(definition, definition.question(key), value)
        except ans.AnswerInvalid as e:
            errors[key] = str(e)
    grades = dict(locked.section_grades)
    if section.graded and grade is not None:
        suggested, problem = _grade_check(definition, section_key, answers, grade, grade_reason)
        if problem:
            errors[
                "grade_reason" if grade in {g.value for g in definition.grades()} else "grade"
            ] = problem
        elif grade:
            grades[section_key] = {"grade": grade, "suggested": suggested, "reason": grade_reason}
        else:
            grades.pop(section_key, None)
    completed = False
    if complete:
        for q in ans.section_missing(definition, section, answers):
            errors.setdefault(q.key, ans.missing_message(q))
        if section.graded and not (grades.get(section_key) or {}).get("grade"):
            errors.setdefault("grade", f"Choose a grade for “{section.title}”")
        completed = not errors
    status = dict(locked.section_status)
    unchanged = answers == locked.answers and grades == locked.section_grades
    if completed:
        status[section_key] = "completed"
    elif unchanged and not complete:
        pass  # a draft save that changes nothing (a late autosave) keeps "completed"
    elif any(k in answers for k in keys) or section_key in grades:
        status[section_key] = "in_progress"
    else:
        status.pop(section_key, None)
    locked.answers, locked.section_grades, locked.section_status = answers, grades, status
    locked.row_version += 1
    locked.updated_at = clock.now()
    locked.save()
    return SectionSaveResult(response=locked, errors=errors, completed=completed)


@transaction.atomic
def form_response_set_grade(
    *,
    response: FormResponse,
    section_key: str | None,
    grade: str,
    reason: str,
    by: User,
    expected_version: int,
) -> FormResponse:
    """Set a section's grade (or, with section_key None, the overall grade). A grade that
    differs from the tool's suggestion needs a reason (Invalid)."""
    locked = _lock_for_write(response, by, expected_version)
    definition = locked.definition
    grades = dict(locked.section_grades)
    if section_key is None:
        if not definition.overall_grade:
            raise Invalid("This tool has no overall grade")
        chosen = {k: v.get("grade", "") for k, v in grades.items()}
        suggested, problem = _grade_check(
            definition, None, locked.answers, grade, reason, section_grades=chosen
        )
        if problem:
            raise Invalid(problem)
        locked.overall_grade, locked.overall_grade_suggested = grade, suggested
        locked.overall_grade_reason = reason if grade else ""
    else:
        try:
            section = definition.section(section_key)
        except KeyError:
            raise Invalid(f"This form has no section “{section_key}”") from None
        if not section.graded:
            raise Invalid(f"The section “{section.title}” is not graded")
        suggested, problem = _grade_check(definition, section_key, locked.answers, grade, reason)
        if problem:
            raise Invalid(problem)
        if grade:
            grades[section_key] = {"grade": grade, "suggested": suggested, "reason": reason}
        else:
            grades.pop(section_key, None)
        locked.section_grades = grades
    locked.row_version += 1
    locked.updated_at = clock.now()
    locked.save()
    return locked


@transaction.atomic
def form_response_submit(
    *, response: FormResponse, by: User, expected_version: int | None = None
) -> FormResponse:
    """Submit: every required shown question answered, every graded section graded, the
    overall grade chosen. Otherwise FormIncomplete lists what is missing. Answers to questions
    hidden by conditions are dropped. After this nothing can change the response."""
    version = response.row_version if expected_version is None else expected_version
    locked = _lock_for_write(response, by, version, step="submit")
    definition = locked.definition
    missing = ans.form_missing(
        definition, locked.answers, locked.section_grades, locked.overall_grade
    )
    if missing:
        raise FormIncomplete(missing)
    shown = visible_questions(definition, locked.answers)
    locked.answers = {k: v for k, v in locked.answers.items() if k in shown}
    locked.section_status = {s.key: "completed" for s in definition.sections}
    FORM_RESPONSE_WORKFLOW.move(locked, "submit", by=by)
    locked.submitted_at = locked.updated_at = clock.now()
    locked.row_version += 1
    locked.save()
    return locked
