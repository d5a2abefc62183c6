"""Object kinds for qaf.tools: tool keys, version numbers, form responses and section keys."""

from typing import Any

from qaf.accounts.models import Role
from qaf.tools.services import form_response_start, tool_version_import
from qaf.tools.tests.factories import library_version
from tests.access_matrix.objects import ANONYMOUS

TOOL = "universal-case-audit"


def tool_key(council: Any, role: str) -> tuple[str | None, str | None]:
    """A shipped tool (the tool pages are the QA unit's: there is no out-of-scope tool)."""
    library_version(TOOL)
    return TOOL, None


def tool_version_number(council: Any, role: str) -> tuple[int | None, int | None]:
    """Version 1 of the tool, published."""
    library_version(TOOL)
    return 1, None


def draft_version_number(council: Any, role: str) -> tuple[int | None, int | None]:
    """Version 2 of the tool, a draft (so publishing it succeeds)."""
    v1 = library_version(TOOL)
    if not v1.tool.versions.filter(version=2).exists():
        tool_version_import(
            yaml_text=v1.source_yaml.replace("\nversion: 1\n", "\nversion: 2\n"),
            by=council.users[Role.QA_OFFICER],
        )
    return 2, None


def form_response(council: Any, role: str) -> tuple[int | None, int | None]:
    """A draft the role's account is filling in, and one someone else is."""
    version = library_version(TOOL)
    other = council.users[Role.DIRECTOR if role != Role.DIRECTOR else Role.PRACTITIONER]
    theirs = form_response_start(tool_version=version, author=other)
    if role == ANONYMOUS:
        return None, theirs.pk
    own = form_response_start(tool_version=version, author=council.users[role])
    return own.pk, theirs.pk


def section_key(council: Any, role: str) -> tuple[str, str]:
    """The first section of the tool (the same for both responses)."""
    return "family_feedback", "family_feedback"


KINDS = {
    "tool_key": tool_key,
    "tool_version_number": tool_version_number,
    "draft_version_number": draft_version_number,
    "form_response": form_response,
    "section_key": section_key,
}
