"""What the feedback pages share: dates in words, answers as rows, a child found by council
ID in the person's scope, and refusals put on the form that caused them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from qaf.cases.selectors import child_list_visible
from qaf.common.forms import service_errors
from qaf.tools.forms import display_answer

from .. import services


class submission_errors(service_errors):
    """service_errors that puts each message of a SubmissionInvalid on its own field."""

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> bool:
        if isinstance(error, services.SubmissionInvalid):
            self.ok = False
            for key, message in error.errors.items():
                self.form.add_error(key if key in self.form.fields else None, message)
            return True
        return super().__exit__(kind, error, tb)


def when(value: Any) -> str:
    return f"{timezone.localtime(value):%-d %B %Y, %H:%M}" if value else ""


def date_text(value: Any) -> str:
    return f"{value:%-d %B %Y}" if value else ""


def child_by_council_id(user: Any, council_child_id: str) -> Any:
    return child_list_visible(user=user).filter(council_child_id=council_child_id.strip()).first()


def answer_rows(response: Any) -> list[dict[str, Any]]:
    definition = response.tool_version.definition
    rows = []
    for q in definition.questions():
        if q.key not in response.answers:
            continue
        value = response.answers[q.key]
        quoted = q.type in ("own_words", "long_text", "short_text")
        rows.append(
            {
                "label": q.label,
                "text": value if quoted else display_answer(definition, q, value),
                "quoted": quoted,
            }
        )
    return rows
