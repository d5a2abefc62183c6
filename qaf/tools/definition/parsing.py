"""Reading one tool version: YAML, then the schema, then the semantic checks."""

from __future__ import annotations

from .checks import Checker, build
from .model import ToolDefinition
from .problems import DefinitionInvalid, Problem
from .schema import schema_problems, validator
from .yaml_io import read_yaml


def parse_definition(
    text: str | bytes, *, previous: ToolDefinition | None = None
) -> ToolDefinition:
    """Read one tool version from YAML, refusing it with every problem found.

    `previous` is the prior version of the same tool: when given, the key must match, the
    version must be greater, and no question may change its type or the meaning of its values.
    Raises `DefinitionInvalid`.
    """
    data, lines = read_yaml(text)
    errors = sorted(validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        problems = list(dict.fromkeys(p for e in errors for p in schema_problems(e, lines)))
        raise DefinitionInvalid(_sorted(problems))
    definition = build(data)
    problems = Checker(definition, lines).run(previous)
    if problems:
        raise DefinitionInvalid(_sorted(problems))
    return definition


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)
