"""Audit tool definitions: the format, its validation and grade suggestion.

One YAML file holds one version of one tool. `parse_definition` turns the text into a frozen
`ToolDefinition` or raises `DefinitionInvalid` listing every problem with its line and place;
`ToolDefinition.to_yaml` writes it back. The format is documented in docs/tool-format.md.

Pure Python: no Django, no database. YAML is read with safe-loader semantics and a stricter
composer that refuses anchors, aliases and non-standard tags before anything is built.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast, get_args

import jsonschema
import yaml

from qaf.common.errors import DomainError

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

MAX_FILE_BYTES = 1024 * 1024
"""A definition file larger than this (1 MB) is refused before it is parsed."""

MAX_NESTING = 40
"""YAML nested deeper than this is refused (a valid definition needs about 8 levels)."""

KINDS: tuple[str, ...] = (
    "case_audit",
    "observation",
    "appreciative_inquiry",
    "review_qa",
    "checklist",
    "survey",
    "coa",
    "multi_agency_audit",
)

SERVICES: tuple[str, ...] = (
    "childrens-social-work",
    "children-in-care",
    "care-leavers",
    "early-help",
    "youth-justice",
    "adoption-and-kinship",
    "disabled-children",
    "send",
    "front-door",
    "open-access",
)

QuestionType = Literal[
    "scale",
    "grade",
    "yes_no_na",
    "single_choice",
    "multiple_choice",
    "date",
    "number",
    "short_text",
    "long_text",
    "own_words",
]
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)
CHOICE_TYPES: frozenset[str] = frozenset(
    {"scale", "grade", "yes_no_na", "single_choice", "multiple_choice"}
)
"""Question types whose answers come from a fixed list: the only ones a condition may test."""

TEXT_MAX_LENGTH: dict[str, int] = {"short_text": 200, "long_text": 10000, "own_words": 10000}
"""Text question types and their default `max_length`."""

CASE_FACTS: tuple[str, ...] = (
    "allocated_worker",
    "team",
    "involvement_type",
    "involvement_start",
    "involvement_end",
    "last_statutory_visit",
    "date_of_birth",
    "age",
    "legal_status",
    "plan_start",
    "previous_audit_grade",
)

GradeMethod = Literal["mean_of_scales", "worst_section", "mean_of_sections", "mode_of_sections"]
SECTION_METHODS: frozenset[str] = frozenset(
    {"worst_section", "mean_of_sections", "mode_of_sections"}
)


@dataclass(frozen=True)
class GradeOption:
    value: str
    label: str


GRADE_SCALES: dict[str, tuple[GradeOption, ...]] = {
    "ofsted": (
        GradeOption("outstanding", "Outstanding"),
        GradeOption("good", "Good"),
        GradeOption("requires_improvement", "Requires improvement"),
        GradeOption("inadequate", "Inadequate"),
    ),
    "unit_meeting": (
        GradeOption("gold", "Gold"),
        GradeOption("silver", "Silver"),
        GradeOption("bronze", "Bronze"),
        GradeOption("not_met", "Not met"),
    ),
}
"""Each grade scale, best grade first."""

YES_NO_NA: tuple[GradeOption, ...] = (
    GradeOption("yes", "Yes"),
    GradeOption("no", "No"),
    GradeOption("na", "Not applicable"),
)

SCHEMA_PATH = Path(__file__).parent / "schema" / "tool.schema.json"
LIBRARY_DIR = Path(__file__).parent / "library"

# --------------------------------------------------------------------------------------------
# The definition
# --------------------------------------------------------------------------------------------

AnswerValue = str | int


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: str


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Condition:
    """`show_if`: the question is shown only when an earlier choice-like answer matches.

    `operator` is "equals" (then `values` has one item) or "in". For a multiple_choice
    question the condition matches when any selected value is among `values`.
    """

    question: str
    values: tuple[AnswerValue, ...]
    operator: Literal["equals", "in"] = "equals"

    def matches(self, answer: object) -> bool:
        if answer is None:
            return False
        if isinstance(answer, list | tuple | set | frozenset):
            return any(_same_value(a, v) for a in answer for v in self.values)
        return any(_same_value(answer, v) for v in self.values)


def _same_value(answer: object, value: AnswerValue) -> bool:
    # bool is an int in Python; True must not match a scale point 1.
    return type(answer) is type(value) and answer == value


@dataclass(frozen=True)
class Band:
    min: float
    grade: str


@dataclass(frozen=True)
class GradeRule:
    """A declarative rule that suggests a grade (the auditor always decides)."""

    method: GradeMethod
    questions: tuple[str, ...] = ()
    bands: tuple[Band, ...] = ()


@dataclass(frozen=True)
class GradeDescriptor:
    """What a grade looks like for a service (`service` is a service key or "default")."""

    service: str
    grade: str
    text: str


@dataclass(frozen=True)
class Question:
    key: str
    label: str
    type: QuestionType
    required: bool = True
    hint: str | None = None
    show_if: Condition | None = None
    case_fact: str | None = None
    points: tuple[ScalePoint, ...] = ()
    options: tuple[Option, ...] = ()
    min_value: float | None = None
    max_value: float | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    questions: tuple[Question, ...]
    description: str | None = None
    graded: bool = False
    grade_rule: GradeRule | None = None
    grade_descriptors: tuple[GradeDescriptor, ...] = ()

    def descriptor(self, grade: str, service: str | None = None) -> str | None:
        """The descriptor of `grade` for `service`, falling back to the default set."""
        for wanted in (service, "default"):
            for d in self.grade_descriptors:
                if d.service == wanted and d.grade == grade:
                    return d.text
        return None


@dataclass(frozen=True)
class ToolDefinition:
    key: str
    title: str
    version: int
    kind: str
    services: tuple[str, ...] | Literal["all"]
    description: str
    sections: tuple[Section, ...]
    overall_grade: bool = False
    overall_grade_rule: GradeRule | None = None
    grade_scale: str = "ofsted"

    def questions(self) -> Iterator[Question]:
        """Every question, in form order."""
        for section in self.sections:
            yield from section.questions

    def question(self, key: str) -> Question:
        for q in self.questions():
            if q.key == key:
                return q
        raise KeyError(key)

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def section_of(self, question_key: str) -> Section:
        for s in self.sections:
            if any(q.key == question_key for q in s.questions):
                return s
        raise KeyError(question_key)

    def grades(self) -> tuple[GradeOption, ...]:
        """The tool's grade scale, best grade first."""
        return GRADE_SCALES[self.grade_scale]

    def applies_to(self, service: str) -> bool:
        return self.services == "all" or service in self.services

    def choices(self, question: Question) -> tuple[tuple[AnswerValue, str], ...]:
        """(value, label) of each possible answer of a choice-like question; () otherwise."""
        if question.type == "scale":
            return tuple((p.value, p.label) for p in question.points)
        if question.type in ("single_choice", "multiple_choice"):
            return tuple((o.value, o.label) for o in question.options)
        if question.type == "grade":
            return tuple((g.value, g.label) for g in self.grades())
        if question.type == "yes_no_na":
            return tuple((g.value, g.label) for g in YES_NO_NA)
        return ()

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data in the file's key order (defaults left out)."""
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "version": self.version,
            "kind": self.kind,
            "services": self.services if self.services == "all" else list(self.services),
            "description": self.description,
            "overall_grade": self.overall_grade,
        }
        if self.overall_grade_rule is not None:
            data["overall_grade_rule"] = _rule_to_dict(self.overall_grade_rule)
        data["grade_scale"] = self.grade_scale
        data["sections"] = [_section_to_dict(s) for s in self.sections]
        return data

    def to_yaml(self) -> str:
        """The definition as YAML that `parse_definition` reads back to an equal definition."""
        return yaml.dump(
            self.to_dict(),
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            width=100,
            default_flow_style=False,
        )


def _rule_to_dict(rule: GradeRule) -> dict[str, Any]:
    data: dict[str, Any] = {"method": rule.method}
    if rule.questions:
        data["questions"] = list(rule.questions)
    if rule.bands:
        data["bands"] = [{"min": b.min, "grade": b.grade} for b in rule.bands]
    return data


def _section_to_dict(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"key": section.key, "title": section.title}
    if section.description is not None:
        data["description"] = section.description
    if section.graded:
        data["graded"] = True
    if section.grade_rule is not None:
        data["grade_rule"] = _rule_to_dict(section.grade_rule)
    if section.grade_descriptors:
        descriptors: dict[str, dict[str, str]] = {}
        for d in section.grade_descriptors:
            descriptors.setdefault(d.service, {})[d.grade] = d.text
        data["grade_descriptors"] = descriptors
    data["questions"] = [_question_to_dict(q) for q in section.questions]
    return data


def _question_to_dict(q: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"key": q.key, "label": q.label, "type": q.type}
    if q.hint is not None:
        data["hint"] = q.hint
    if not q.required:
        data["required"] = False
    if q.case_fact is not None:
        data["case_fact"] = q.case_fact
    if q.points:
        data["points"] = [{"value": p.value, "label": p.label} for p in q.points]
    if q.options:
        data["options"] = [{"value": o.value, "label": o.label} for o in q.options]
    if q.min_value is not None:
        data["min"] = q.min_value
    if q.max_value is not None:
        data["max"] = q.max_value
    if q.max_length is not None and q.max_length != TEXT_MAX_LENGTH.get(q.type):
        data["max_length"] = q.max_length
    if q.show_if is not None:
        c = q.show_if
        if c.operator == "equals":
            data["show_if"] = {"question": c.question, "equals": c.values[0]}
        else:
            data["show_if"] = {"question": c.question, "in": list(c.values)}
    return data


_FLOW_KEYS = ({"value", "label"}, {"min", "grade"}, {"question", "equals"}, {"question", "in"})


class _Dumper(yaml.SafeDumper):
    """Writes block YAML with lists indented under their key, small items on one line
    (`- {value: 1, label: Poor}`, `[a, b]`), multi-line text as `|` blocks, and no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors: the reader refuses them

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    flow = set(data) in _FLOW_KEYS
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str | int | float) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)

# --------------------------------------------------------------------------------------------
# Problems
# --------------------------------------------------------------------------------------------

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


class DefinitionInvalid(DomainError):
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


# --------------------------------------------------------------------------------------------
# Reading YAML safely
# --------------------------------------------------------------------------------------------

_STANDARD_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


class _Refused(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _StrictResolver(yaml.resolver.Resolver):
    """Implicit typing closer to YAML 1.2 than PyYAML's 1.1 default: only true/false are
    booleans (yes, no, on, off stay text), dates stay text, and there are no merge keys."""

    yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag.rsplit(":", 1)[-1] in ("int", "float", "null")
        ]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


class _StrictComposer(yaml.composer.Composer):
    """The composer, refusing anchors, aliases, non-standard tags and deep nesting as soon as
    their event is seen, so nothing is ever expanded ("billion laughs")."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        event = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                line,
                f"aliases (*{event.anchor}) are not allowed; write the content out in full",
            )
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(
                line, f"anchors (&{anchor}) are not allowed; write the content out in full"
            )
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!" and tag not in _STANDARD_TAGS:
            raise _Refused(
                line,
                f"the YAML tag {tag!r} is not allowed; remove it "
                "(only plain text, numbers, true/false, lists and mappings are used)",
            )
        self._depth += 1
        try:
            if self._depth > MAX_NESTING:
                raise _Refused(line, f"the YAML is nested more than {MAX_NESTING} levels deep")
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1


class _Loader(
    yaml.reader.Reader,
    yaml.scanner.Scanner,
    yaml.parser.Parser,
    _StrictComposer,
    yaml.constructor.SafeConstructor,
    _StrictResolver,
):
    """Safe loading in pure Python (used when PyYAML has no libyaml)."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)
        _StrictComposer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _StrictResolver.__init__(self)


_FastLoader: type[Any] | None = None
if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _CLoader(_StrictComposer, CParser, yaml.constructor.SafeConstructor, _StrictResolver):  # type: ignore[misc]
        """libyaml's parser (events only) under the same strict Python composer: about ten
        times faster than the pure-Python reader."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _StrictComposer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            _StrictResolver.__init__(self)

    _FastLoader = _CLoader


def _read_yaml(text: str | bytes) -> tuple[Any, dict[PathTuple, int]]:
    """Size-check, decode and read YAML into plain data plus the line of each path."""
    if isinstance(text, str):
        size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8"))
    else:
        size = len(text)
    if size > MAX_FILE_BYTES:
        raise DefinitionInvalid(
            [
                Problem(
                    None,
                    "",
                    f"the file is {size / (1024 * 1024):.1f} MB; a tool definition may be at "
                    f"most 1 MB ({MAX_FILE_BYTES} bytes)",
                )
            ]
        )
    if isinstance(text, bytes):
        raw = text
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise DefinitionInvalid(
                [
                    Problem(
                        raw[: e.start].count(b"\n") + 1,
                        "",
                        "the file is not UTF-8 text; save it as UTF-8",
                    )
                ]
            ) from None
    lines: dict[PathTuple, int] = {(): 1}
    problems: list[Problem] = []
    loader = None
    try:
        loader = (_FastLoader or _Loader)(text)
        node = loader.get_single_node()
        if node is None:
            raise DefinitionInvalid([Problem(1, "", "the file is empty")])
        lines[()] = node.start_mark.line + 1
        data = _to_python(loader, node, (), lines, problems)
    except _Refused as e:
        raise DefinitionInvalid([Problem(e.line, "", e.message)]) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        raise DefinitionInvalid(
            [Problem(mark.line + 1 if mark else None, "", f"the file is not valid YAML: {what}")]
        ) from None
    except yaml.reader.ReaderError as e:
        raise DefinitionInvalid(
            [
                Problem(
                    text[: e.position].count("\n") + 1,
                    "",
                    f"the file contains a character YAML does not allow: {e.reason}",
                )
            ]
        ) from None
    except yaml.YAMLError as e:
        raise DefinitionInvalid([Problem(None, "", f"the file is not valid YAML: {e}")]) from None
    finally:
        if loader is not None:
            loader.dispose()
    if problems:
        raise DefinitionInvalid(problems)
    return data, lines


def _to_python(
    loader: Any,
    node: yaml.Node,
    path: PathTuple,
    lines: dict[PathTuple, int],
    problems: list[Problem],
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(line, format_path(path), "a key must be a plain word"))
                continue
            key = str(key_node.value)
            if key in result:
                problems.append(
                    Problem(
                        line,
                        format_path((*path, key)),
                        f"'{key}' is given twice in the same place; keep one",
                    )
                )
                continue
            lines[(*path, key)] = line
            result[key] = _to_python(loader, value_node, (*path, key), lines, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            lines[(*path, i)] = item.start_mark.line + 1
            items.append(_to_python(loader, item, (*path, i), lines, problems))
        return items
    value = loader.construct_object(node)
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(
            Problem(node.start_mark.line + 1, format_path(path), "numbers must be finite")
        )
    return value


# --------------------------------------------------------------------------------------------
# JSON Schema validation with plain-English messages
# --------------------------------------------------------------------------------------------


@cache
def load_schema() -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) every definition must satisfy."""
    return cast(dict[str, Any], json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


@cache
def _validator() -> jsonschema.Draft202012Validator:
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


def _schema_problems(
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
            problems.append(Problem(_line_of(place, lines), format_path(place), message))
        return problems
    if v == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        return [
            Problem(
                _line_of((*path, extra), lines),
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
    if not path and v == "type":
        message = (
            "the file must be a mapping with the keys key, title, version, kind, services, "
            "description and sections"
        )
    return Problem(_line_of(path, lines), format_path(path), message)


def _line_of(path: PathTuple, lines: Mapping[PathTuple, int]) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


# --------------------------------------------------------------------------------------------
# Building and semantic checks
# --------------------------------------------------------------------------------------------


def _build_rule(data: dict[str, Any]) -> GradeRule:
    return GradeRule(
        method=data["method"],
        questions=tuple(data.get("questions", ())),
        bands=tuple(Band(min=b["min"], grade=b["grade"]) for b in data.get("bands", ())),
    )


def _build_question(data: dict[str, Any]) -> Question:
    show_if = None
    if "show_if" in data:
        c = data["show_if"]
        if "in" in c:
            show_if = Condition(question=c["question"], values=tuple(c["in"]), operator="in")
        else:
            show_if = Condition(question=c["question"], values=(c["equals"],))
    q_type = data["type"]
    return Question(
        key=data["key"],
        label=data["label"],
        type=q_type,
        required=data.get("required", True),
        hint=data.get("hint"),
        show_if=show_if,
        case_fact=data.get("case_fact"),
        points=tuple(ScalePoint(p["value"], p["label"]) for p in data.get("points", ())),
        options=tuple(Option(o["value"], o["label"]) for o in data.get("options", ())),
        min_value=data.get("min"),
        max_value=data.get("max"),
        max_length=data.get("max_length", TEXT_MAX_LENGTH.get(q_type)),
    )


def _build(data: dict[str, Any]) -> ToolDefinition:
    sections = []
    for s in data["sections"]:
        descriptors = tuple(
            GradeDescriptor(service, grade, text)
            for service, by_grade in s.get("grade_descriptors", {}).items()
            for grade, text in by_grade.items()
        )
        sections.append(
            Section(
                key=s["key"],
                title=s["title"],
                description=s.get("description"),
                graded=s.get("graded", False),
                grade_rule=_build_rule(s["grade_rule"]) if "grade_rule" in s else None,
                grade_descriptors=descriptors,
                questions=tuple(_build_question(q) for q in s["questions"]),
            )
        )
    services = data["services"]
    return ToolDefinition(
        key=data["key"],
        title=data["title"],
        version=data["version"],
        kind=data["kind"],
        services="all" if services == "all" else tuple(services),
        description=data["description"],
        overall_grade=data.get("overall_grade", False),
        overall_grade_rule=(
            _build_rule(data["overall_grade_rule"]) if "overall_grade_rule" in data else None
        ),
        grade_scale=data.get("grade_scale", "ofsted"),
        sections=tuple(sections),
    )


class _Checker:
    """Semantic checks the schema cannot express. Each problem names its place and line."""

    def __init__(self, d: ToolDefinition, lines: Mapping[PathTuple, int]) -> None:
        self.d = d
        self.lines = lines
        self.problems: list[Problem] = []
        self.where: dict[str, tuple[int, int]] = {}  # question key -> (section, index)
        self.order: dict[str, int] = {}  # question key -> position in form order

    def add(self, path: PathTuple, message: str) -> None:
        self.problems.append(Problem(_line_of(path, self.lines), format_path(path), message))

    def qpath(self, key: str, *rest: str | int) -> PathTuple:
        si, qi = self.where[key]
        return ("sections", si, "questions", qi, *rest)

    def run(self, previous: ToolDefinition | None) -> list[Problem]:
        self.check_keys()
        self.check_questions()
        self.check_conditions()
        self.check_grading()
        if previous is not None:
            self.check_against(previous)
        return self.problems

    def check_keys(self) -> None:
        seen_sections: dict[str, int] = {}
        for si, section in enumerate(self.d.sections):
            if section.key in seen_sections:
                self.add(
                    ("sections", si, "key"),
                    f"section key '{section.key}' is already used by sections"
                    f"[{seen_sections[section.key]}]; each section needs its own key",
                )
            else:
                seen_sections[section.key] = si
            for qi, q in enumerate(section.questions):
                if q.key in self.where:
                    first = format_path(self.qpath(q.key))
                    self.add(
                        ("sections", si, "questions", qi, "key"),
                        f"question key '{q.key}' is already used by {first}; question keys "
                        "must be unique across the whole tool",
                    )
                    continue
                self.where[q.key] = (si, qi)
                self.order[q.key] = len(self.order)

    def check_questions(self) -> None:
        for si, section in enumerate(self.d.sections):
            for qi, q in enumerate(section.questions):
                base: PathTuple = ("sections", si, "questions", qi)
                named: tuple[tuple[str, tuple[ScalePoint | Option, ...]], ...] = (
                    ("points", q.points),
                    ("options", q.options),
                )
                for name, items in named:
                    values: set[AnswerValue] = set()
                    for i, item in enumerate(items):
                        if item.value in values:
                            self.add(
                                (*base, name, i, "value"),
                                f"the value {item.value!r} is used twice in {name}; "
                                "each must be different",
                            )
                        values.add(item.value)
                if (
                    q.min_value is not None
                    and q.max_value is not None
                    and q.min_value > q.max_value
                ):
                    self.add(
                        (*base, "min"), f"min ({q.min_value}) is greater than max ({q.max_value})"
                    )

    def check_conditions(self) -> None:
        targets = {q.key: q.show_if.question for q in self.d.questions() if q.show_if is not None}
        in_cycle: set[str] = set()
        for start in targets:
            if start in in_cycle or start not in self.where:
                continue
            chain = [start]
            current = targets[start]
            while current in targets and current not in chain and len(chain) <= len(targets):
                chain.append(current)
                current = targets[current]
            if current in chain:
                cycle = chain[chain.index(current) :]
                in_cycle.update(cycle)
                first = min(cycle, key=lambda k: self.order.get(k, 0))
                loop = " -> ".join(
                    [*cycle[cycle.index(first) :], *cycle[: cycle.index(first)], first]
                )
                self.add(
                    self.qpath(first, "show_if", "question"),
                    f"the conditions form a cycle ({loop}): a question cannot depend, "
                    "directly or through others, on itself",
                )
        for si, section in enumerate(self.d.sections):
            for qi, q in enumerate(section.questions):
                c = q.show_if
                if c is None or q.key in in_cycle or self.where.get(q.key) != (si, qi):
                    continue
                base: PathTuple = ("sections", si, "questions", qi, "show_if")
                if c.question not in self.where:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to question '{c.question}', which does not exist "
                        "in this tool",
                    )
                    continue
                if self.order[c.question] > self.order[q.key]:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to question '{c.question}', which comes later in the "
                        "form; a condition can only depend on an earlier question",
                    )
                    continue
                target = self.d.question(c.question)
                if target.type not in CHOICE_TYPES:
                    self.add(
                        (*base, "question"),
                        f"show_if refers to '{c.question}', a {target.type} question; a "
                        "condition can only depend on a scale, grade, yes_no_na, "
                        "single_choice or multiple_choice question",
                    )
                    continue
                allowed = [value for value, _ in self.d.choices(target)]
                for i, value in enumerate(c.values):
                    if not any(_same_value(value, a) for a in allowed):
                        place = (*base, "equals") if c.operator == "equals" else (*base, "in", i)
                        self.add(
                            place,
                            f"{value!r} is not an answer of question '{c.question}'; its "
                            "answers are: " + ", ".join(repr(a) for a in allowed),
                        )

    def check_grading(self) -> None:
        d = self.d
        grades = [g.value for g in d.grades()]
        if d.overall_grade_rule is not None:
            if not d.overall_grade:
                self.add(
                    ("overall_grade_rule",),
                    "overall_grade_rule is given but overall_grade is not true",
                )
            else:
                self.check_rule(d.overall_grade_rule, ("overall_grade_rule",), None)
        for si, section in enumerate(d.sections):
            base: PathTuple = ("sections", si)
            if section.grade_rule is not None:
                if not section.graded:
                    self.add(
                        (*base, "grade_rule"), "grade_rule is given but the section is not graded"
                    )
                else:
                    self.check_rule(section.grade_rule, (*base, "grade_rule"), section)
            if section.grade_descriptors and not section.graded:
                self.add(
                    (*base, "grade_descriptors"),
                    "grade_descriptors are given but the section is not graded",
                )
                continue
            by_service: dict[str, list[str]] = {}
            for gd in section.grade_descriptors:
                by_service.setdefault(gd.service, []).append(gd.grade)
            for service, described in by_service.items():
                place = (*base, "grade_descriptors", service)
                if service != "default" and not d.applies_to(service):
                    self.add(
                        place,
                        f"descriptors are given for '{service}' but the tool's services do "
                        "not include it",
                    )
                for grade in described:
                    if grade not in grades:
                        self.add(
                            (*place, grade),
                            f"'{grade}' is not a grade of the {d.grade_scale} scale; the "
                            "grades are: " + ", ".join(grades),
                        )
                missing = [g for g in grades if g not in described]
                if missing:
                    self.add(
                        place,
                        f"the descriptors for '{service}' must describe every grade; missing: "
                        + ", ".join(missing),
                    )

    def check_rule(self, rule: GradeRule, base: PathTuple, section: Section | None) -> None:
        grades = [g.value for g in self.d.grades()]
        lowest: float = 1.0  # the lowest mean of section grades (worst grade counts 1)
        if rule.method in SECTION_METHODS:
            if not any(s.graded for s in self.d.sections):
                self.add(
                    (*base, "method"),
                    f"the {rule.method} method needs at least one graded section",
                )
        else:
            ranges = set()
            for i, key in enumerate(rule.questions):
                place = (*base, "questions", i)
                if key not in self.where:
                    self.add(
                        place, f"the grade rule refers to question '{key}', which does not exist"
                    )
                    continue
                q = self.d.question(key)
                if q.type != "scale":
                    self.add(
                        place,
                        f"the grade rule refers to '{key}', a {q.type} question; a grade rule "
                        "can only use scale questions",
                    )
                    continue
                if section is not None and self.d.section_of(key) is not section:
                    self.add(
                        place,
                        f"'{key}' is in another section; a section's grade rule can only use "
                        "that section's questions",
                    )
                    continue
                point_values = [p.value for p in q.points]
                ranges.add((min(point_values), max(point_values)))
            if len(ranges) > 1:
                self.add(
                    (*base, "questions"),
                    "the scales in a grade rule must run over the same range so their mean "
                    "means something; found "
                    + ", ".join(f"{lo} to {hi}" for lo, hi in sorted(ranges)),
                )
            if ranges:
                lowest = min(lo for lo, _ in ranges)
        previous_min: float | None = None
        for i, band in enumerate(rule.bands):
            if band.grade not in grades:
                self.add(
                    (*base, "bands", i, "grade"),
                    f"'{band.grade}' is not a grade of the {self.d.grade_scale} scale; the "
                    "grades are: " + ", ".join(grades),
                )
            if previous_min is not None and band.min >= previous_min:
                self.add(
                    (*base, "bands", i, "min"),
                    "bands must be listed from the highest min to the lowest, each lower than "
                    "the one before",
                )
            previous_min = band.min
        if rule.bands and rule.bands[-1].min > lowest:
            self.add(
                (*base, "bands", len(rule.bands) - 1, "min"),
                f"the lowest band starts at {rule.bands[-1].min} but the mean can be as low as "
                f"{lowest}; give the last band a min of {lowest} or lower",
            )

    def check_against(self, previous: ToolDefinition) -> None:
        d = self.d
        if d.key != previous.key:
            self.add(
                ("key",),
                f"the key is '{d.key}' but the previous version is of tool '{previous.key}'; "
                "a new version keeps its tool's key",
            )
            return
        if d.version <= previous.version:
            self.add(
                ("version",),
                f"the version must be greater than {previous.version}, the previous version",
            )
        if d.grade_scale != previous.grade_scale:
            self.add(
                ("grade_scale",),
                f"the grade scale was {previous.grade_scale} in version {previous.version} and "
                f"is {d.grade_scale} here; a tool's grade scale cannot change (create a new tool)",
            )
        old_questions = {q.key: q for q in previous.questions()}
        for q in d.questions():
            old = old_questions.get(q.key)
            if old is None or q.key not in self.where:
                continue
            if old.type != q.type:
                self.add(
                    self.qpath(q.key, "type"),
                    f"question '{q.key}' was {_article(old.type)} in version {previous.version} "
                    f"and is {_article(q.type)} here; give a changed question a new key",
                )
                continue
            old_items = dict(previous.choices(old))
            new_items = dict(d.choices(q))
            name = "points" if q.type == "scale" else "options"
            for i, (value, label) in enumerate(new_items.items()):
                if value not in old_items or _norm(old_items[value]) == _norm(label):
                    continue
                moved_from = [v for v, lab in old_items.items() if _norm(lab) == _norm(label)]
                moved_to = [
                    v for v, lab in new_items.items() if _norm(lab) == _norm(old_items[value])
                ]
                if moved_from or moved_to:
                    self.add(
                        self.qpath(q.key, name, i, "label"),
                        f"the value {value!r} of question '{q.key}' meant "
                        f"{old_items[value]!r} in version {previous.version} and means "
                        f"{label!r} here; a value cannot change its meaning (rewording a label "
                        "is fine): give the changed question a new key",
                    )


def _article(question_type: str) -> str:
    return f"an {question_type}" if question_type[0] in "aeiou" else f"a {question_type}"


def _norm(label: str) -> str:
    return " ".join(label.casefold().split())


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------


def parse_definition(
    text: str | bytes, *, previous: ToolDefinition | None = None
) -> ToolDefinition:
    """Read one tool version from YAML, refusing it with every problem found.

    `previous` is the prior version of the same tool: when given, the key must match, the
    version must be greater, and no question may change its type or the meaning of its values.
    Raises `DefinitionInvalid`.
    """
    data, lines = _read_yaml(text)
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        problems = list(dict.fromkeys(p for e in errors for p in _schema_problems(e, lines)))
        raise DefinitionInvalid(_sorted(problems))
    definition = _build(data)
    problems = _Checker(definition, lines).run(previous)
    if problems:
        raise DefinitionInvalid(_sorted(problems))
    return definition


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line if p.line is not None else 0)


def visible_questions(definition: ToolDefinition, answers: Mapping[str, object]) -> frozenset[str]:
    """Keys of the questions shown for these answers (a question whose condition depends on a
    hidden question is hidden too)."""
    shown: set[str] = set()
    for q in definition.questions():
        c = q.show_if
        if c is None or (c.question in shown and c.matches(answers.get(c.question))):
            shown.add(q.key)
    return frozenset(shown)


def suggest_grade(
    definition: ToolDefinition,
    section_key: str | None,
    answers: Mapping[str, object],
    *,
    section_grades: Mapping[str, str] | None = None,
) -> str | None:
    """The grade the rule suggests for a section (or, with `section_key=None`, the whole form).

    `answers` maps question keys to answers (a scale answer is an int). Hidden and unanswered
    questions are left out. For the overall methods that work on section grades,
    `section_grades` gives the grades the auditor chose; without it each graded section's own
    suggestion is used. Returns None when there is no rule or nothing to go on.
    Raises KeyError for an unknown section key.
    """
    if section_key is None:
        rule = definition.overall_grade_rule if definition.overall_grade else None
    else:
        section = definition.section(section_key)
        rule = section.grade_rule if section.graded else None
    if rule is None:
        return None
    scale = [g.value for g in definition.grades()]
    score = {grade: len(scale) - i for i, grade in enumerate(scale)}  # best grade scores highest
    if rule.method == "mean_of_scales":
        shown = visible_questions(definition, answers)
        values = []
        for key in rule.questions:
            answer = answers.get(key)
            points = definition.question(key).points
            if key in shown and type(answer) is int and any(p.value == answer for p in points):
                values.append(answer)
        return _band(rule.bands, statistics.fmean(values)) if values else None
    graded = [s.key for s in definition.sections if s.graded]
    if section_grades is None:
        chosen = [suggest_grade(definition, key, answers) for key in graded]
    else:
        chosen = [section_grades.get(key) for key in graded]
    grades = [g for g in chosen if g in score]
    if not grades:
        return None
    if rule.method == "worst_section":
        return min(grades, key=score.__getitem__)
    if rule.method == "mean_of_sections":
        return _band(rule.bands, statistics.fmean(score[g] for g in grades))
    counts = Counter(grades)
    top = max(counts.values())
    return min((g for g, n in counts.items() if n == top), key=score.__getitem__)


def _band(bands: Sequence[Band], value: float) -> str | None:
    for band in bands:
        if value >= band.min:
            return band.grade
    return None


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


__all__ = [
    "CASE_FACTS",
    "CHOICE_TYPES",
    "GRADE_SCALES",
    "KINDS",
    "MAX_FILE_BYTES",
    "QUESTION_TYPES",
    "SERVICES",
    "TEXT_MAX_LENGTH",
    "YES_NO_NA",
    "Band",
    "Condition",
    "DefinitionInvalid",
    "GradeDescriptor",
    "GradeOption",
    "GradeRule",
    "Option",
    "Problem",
    "Question",
    "ScalePoint",
    "Section",
    "ToolDefinition",
    "library_index",
    "library_read",
    "load_library",
    "load_schema",
    "parse_definition",
    "suggest_grade",
    "visible_questions",
]
