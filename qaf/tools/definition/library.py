"""The shipped library: qaf/tools/library/<key>.v<version>.yaml, each file checked against the
version before it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .model import ToolDefinition
from .parsing import parse_definition
from .problems import DefinitionInvalid, Problem

LIBRARY_DIR = Path(__file__).parent.parent / "library"

_LIBRARY_NAME = re.compile(r"^(?P<key>[a-z][a-z0-9-]*)\.v(?P<version>[1-9][0-9]*)\.yaml$")


def _in_file(name: str, problems: Sequence[Problem]) -> DefinitionInvalid:
    """The same problems, each naming the shipped file it is in."""
    return DefinitionInvalid(
        [Problem(p.line, f"{name}: {p.path}" if p.path else name, p.message) for p in problems]
    )


def library_index() -> list[tuple[str, Path]]:
    """(tool key, file) of each shipped definition, ordered by key then version.

    Files are named `<key>.v<version>.yaml`; a file named otherwise is refused, naming it (a
    shipped file is never skipped in silence).
    """
    rows = []
    for path in LIBRARY_DIR.glob("*.yaml"):
        match = _LIBRARY_NAME.match(path.name)
        if match is None:
            raise DefinitionInvalid(
                [
                    Problem(
                        None,
                        path.name,
                        "a shipped tool file must be named <key>.v<version>.yaml, "
                        "e.g. universal-case-audit.v1.yaml",
                    )
                ]
            )
        rows.append((match["key"], int(match["version"]), path))
    return [(key, path) for key, _, path in sorted(rows)]


def library_read(path: Path, *, previous: ToolDefinition | None = None) -> ToolDefinition:
    """Parse one shipped file (checked against the version before it) and check that its key
    and version match its name. Any problem is raised naming the file."""
    match = _LIBRARY_NAME.match(path.name)
    if match is None:
        raise DefinitionInvalid(
            [Problem(None, path.name, "a shipped tool file must be named <key>.v<version>.yaml")]
        )
    try:
        definition = parse_definition(path.read_bytes(), previous=previous)
    except DefinitionInvalid as e:
        raise _in_file(path.name, e.problems) from None
    expected = (match["key"], int(match["version"]))
    if (definition.key, definition.version) != expected:
        raise _in_file(
            path.name,
            [
                Problem(
                    1,
                    "key",
                    f"the file holds {definition.key} version {definition.version} but its "
                    f"name says {expected[0]} version {expected[1]}",
                )
            ],
        )
    return definition


_LIBRARY_CACHE: dict[tuple[str, int, int, tuple[str, int] | None], ToolDefinition] = {}


def load_library() -> list[ToolDefinition]:
    """Every shipped definition, each later version checked against the one before. The first
    invalid file stops everything with a DefinitionInvalid naming it. A file already checked is
    not parsed again until it changes (by modification time and size)."""
    tools: list[ToolDefinition] = []
    previous: ToolDefinition | None = None
    for key, path in library_index():
        prior = previous if previous is not None and previous.key == key else None
        stat = path.stat()
        cache_key = (
            str(path),
            stat.st_mtime_ns,
            stat.st_size,
            (prior.key, prior.version) if prior is not None else None,
        )
        found = _LIBRARY_CACHE.get(cache_key)
        if found is None:
            found = _LIBRARY_CACHE[cache_key] = library_read(path, previous=prior)
        previous = found
        tools.append(previous)
    return tools
