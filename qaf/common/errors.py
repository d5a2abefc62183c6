"""Typed domain errors. Services raise these; views turn them into messages."""


class DomainError(Exception):
    """A business rule refused the request. The message is shown to the user."""


class IllegalTransition(DomainError):
    """A workflow was asked to move between states its transition table does not allow."""


class ImportRefused(DomainError):
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
