"""What is wrong with a definition file: each problem with its line and place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qaf.common.errors import Invalid

PathTuple = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition file."""

    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.path:
            where += f", {self.path}"
        return f"{where}: {self.message}"


class DefinitionInvalid(Invalid):
    """The definition was refused; `problems` says what is wrong and where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("The tool definition has problems:\n" + "\n".join(map(str, problems)))


def format_path(path: Sequence[str | int]) -> str:
    """('sections', 2, 'questions', 0, 'type') -> 'sections[2].questions[0].type'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def line_of(path: PathTuple, lines: Mapping[PathTuple, int]) -> int | None:
    """The line of `path` in the file, or of the nearest enclosing place that has one."""
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)
