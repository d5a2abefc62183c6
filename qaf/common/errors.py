"""Typed domain errors. Services raise these; each carries its HTTP meaning.

One mapping for the API (`qaf.api.api`, one exception handler) and one for pages
(`qaf.common.middleware.DomainErrorMiddleware` for a whole page, `qaf.common.forms.service_errors`
for an error shown on a form). Services never raise DomainError itself: they say which kind of
refusal it is, so the same refusal means the same thing on every route.

| error | HTTP | when |
|---|---|---|
| Invalid | 422 | what was sent breaks a rule (a missing reason, a date in the past) |
| NotAllowed | 403 | the person can see the record but may not take this step |
| NotFound | 404 | there is no such record, or not one this person may see |
| Conflict | 409 | the record changed under the person (a stale version, a step no longer possible) |
| RateLimited | 429 | too many attempts in a short time |
"""


class DomainError(Exception):
    """A business rule refused the request. The message is shown to the user."""

    http_status = 422


class Invalid(DomainError):
    """What was sent breaks a rule; nothing changed. Fix it and send it again."""

    http_status = 422


class NotAllowed(DomainError):
    """The person may see the record but may not do this to it."""

    http_status = 403


class NotFound(DomainError):
    """No such record, or none this person may see. Never says which (ARCHITECTURE.md rule 4)."""

    http_status = 404

    def __init__(self, message: str = "Not found") -> None:
        super().__init__(message)


class Conflict(DomainError):
    """The record is not in the state the request expected: someone else changed it first, or
    the step is not possible from where the record is now."""

    http_status = 409


class IllegalTransition(Conflict):
    """A workflow was asked for a step its table does not allow from the current state."""


class RateLimited(DomainError):
    """Too many attempts: try again later."""

    http_status = 429


class ImportRefused(Invalid):
    """A file was refused whole; `problems` lists each row-level problem."""

    def __init__(self, message: str, problems: list["ImportProblem"] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class ImportProblem:
    __slots__ = ("column", "expected", "message", "row", "sheet", "value")

    def __init__(
        self,
        *,
        row: int | None,
        column: str,
        message: str,
        value: str = "",
        expected: str = "",
        sheet: str = "",
    ) -> None:
        self.row = row
        self.column = column
        self.message = message
        self.value = value
        self.expected = expected
        self.sheet = sheet

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        if self.sheet:
            where = f"sheet {self.sheet}, {where}"
        col = f", column {self.column}" if self.column else ""
        return f"{where}{col}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
            "message": self.message,
        }
