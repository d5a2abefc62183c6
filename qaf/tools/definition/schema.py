"""The JSON Schema every definition must satisfy, with its errors in plain English.

The schema (qaf/tools/schema/tool.schema.json, Draft 2020-12) checks shapes and words; the
checks the schema cannot express are in `checks`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, cast

import jsonschema

from .problems import PathTuple, Problem, format_path, line_of
from .vocabulary import SERVICES

SCHEMA_PATH = Path(__file__).parent.parent / "schema" / "tool.schema.json"


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) every definition must satisfy."""
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@cache
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(load_schema())


_JSON_TYPES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping of keys and values",
    "null": "empty",
}

_PATTERNS = {
    "^[a-z][a-z0-9]*(-[a-z0-9]+)*$": (
        "lowercase letters and digits in words joined by hyphens, starting with a letter "
        "(for example universal-case-audit)"
    ),
    "^[a-z][a-z0-9_]*$": (
        "lowercase letters, digits and underscores, starting with a letter "
        "(for example assessment_timely)"
    ),
    "\\S": "some text (it must not be empty)",
}

_ONLY_FOR = {
    "points": "only scale questions have points",
    "options": "only single_choice and multiple_choice questions have options",
    "min": "only number questions have min",
    "max": "only number questions have max",
    "max_length": "only short_text, long_text and own_words questions have max_length",
    "questions": "only the mean_of_scales method lists questions",
    "bands": "worst_section and mode_of_sections take no bands",
}


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:60]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def schema_problems(
    error: jsonschema.ValidationError, lines: dict[PathTuple, int]
) -> list[Problem]:
    """Plain-English problems for one JSON Schema error, placed at the right line."""
    path: PathTuple = tuple(error.absolute_path)
    v = error.validator
    if v == "required":
        problems = []
        for missing in error.validator_value:
            if missing in error.instance:
                continue
            message = f"'{missing}' is missing"
            if missing in ("points", "options"):
                message += f"; a {error.instance.get('type')} question needs {missing}"
            elif missing in ("questions", "bands"):
                message += f"; the {error.instance.get('method')} method needs {missing}"
            place = (*path, missing)
            problems.append(Problem(line_of(place, lines), format_path(place), message))
        return problems
    if v == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        return [
            Problem(
                line_of((*path, extra), lines),
                format_path((*path, extra)),
                f"'{extra}' is not a recognised key here; the keys allowed are: "
                + ", ".join(allowed),
            )
            for extra in error.instance
            if extra not in allowed
        ]
    return [_schema_problem(error, lines)]


def _schema_problem(error: jsonschema.ValidationError, lines: dict[PathTuple, int]) -> Problem:
    path: PathTuple = tuple(error.absolute_path)
    name = path[-1] if path and isinstance(path[-1], str) else None
    field = next((p for p in reversed(path) if isinstance(p, str)), None)
    schema_path = list(error.absolute_schema_path)
    v = error.validator
    if v == "not":
        forbidden = error.validator_value["required"][0]
        path = (*path, forbidden)
        message = f"'{forbidden}' is not allowed here: {_ONLY_FOR.get(forbidden, '')}".rstrip(": ")
    elif "propertyNames" in schema_path:
        path = (*path, str(error.instance))
        message = f"'{error.instance}' is not a service key; use 'default' or one of: " + ", ".join(
            SERVICES
        )
    elif v == "enum":
        options = ", ".join(str(x) for x in error.validator_value)
        if name == "type":
            message = f"unknown question type {error.instance!r}; the types are: {options}"
        elif field == "services":
            message = f"{error.instance!r} is not a service key; the services are: {options}"
        else:
            message = f"{error.instance!r} is not allowed for '{field}'; expected one of: {options}"
    elif v == "const":
        if name == "services":
            message = "services must be the word all or a list of service keys: " + ", ".join(
                SERVICES
            )
        elif name == "method":
            message = (
                f"a section's grade rule must use the method {error.validator_value}; "
                "the section methods are for the overall grade"
            )
        else:
            message = f"expected {error.validator_value!r} here, found {_describe(error.instance)}"
    elif v == "type":
        wanted = error.validator_value
        wanted_list = wanted if isinstance(wanted, list) else [wanted]
        expected = " or ".join(_JSON_TYPES[t] for t in wanted_list)
        message = f"expected {expected}, found {_describe(error.instance)}"
        if wanted == "string" and isinstance(error.instance, int | float | bool):
            message += " (put it in quotes to make it text)"
    elif v == "pattern":
        explained = _PATTERNS.get(error.validator_value, f"text matching {error.validator_value}")
        message = f"{error.instance!r} is not allowed; expected {explained}"
    elif v == "minItems":
        if name == "points":
            message = f"a scale needs at least {error.validator_value} points"
        else:
            message = f"the list needs at least {error.validator_value} item(s)"
    elif v == "maxItems":
        message = f"the list may have at most {error.validator_value} items"
    elif v == "uniqueItems":
        message = "the list repeats an item; each may appear once"
    elif v in ("minProperties", "maxProperties") and name == "show_if":
        message = "a condition needs 'question' and exactly one of 'equals' or 'in'"
    elif v == "minProperties":
        message = "this must not be empty"
    elif v == "minimum":
        message = f"must be at least {error.validator_value}, found {error.instance}"
    elif v == "maximum":
        message = f"must be at most {error.validator_value}, found {error.instance}"
    elif v == "maxLength":
        message = f"the text is too long; at most {error.validator_value} characters"
    else:
        message = error.message
    if path == ("grade_scale",) and v == "type":
        message = (
            "grade_scale lists the tool's grades, best first: a key and its grades, each with "
            "a value and a label (and good_or_better: true for the grades counted as good or "
            "better); a scale's name alone is not enough"
        )
    if not path and v == "type":
        message = (
            "the file must be a mapping with the keys key, title, version, kind, services, "
            "description and sections"
        )
    return Problem(line_of(path, lines), format_path(path), message)
