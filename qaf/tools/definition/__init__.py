"""Audit tool definitions: the format, its validation, grade suggestion and the shipped library.

One YAML file holds one version of one tool. `parse_definition` turns the text into a frozen
`ToolDefinition` or raises `DefinitionInvalid` listing every problem with its line and place;
`ToolDefinition.to_yaml` writes it back. The format is documented in docs/tool-format.md.

Pure Python: no Django, no database. The package, by what each module does:

| module | holds |
|---|---|
| vocabulary | the words of the format: kinds, services, question types, case facts, limits |
| model | the definition as frozen dataclasses, and its plain-data form (`to_dict`) |
| problems | `Problem` and `DefinitionInvalid`: what is wrong, with its line |
| yaml_io | reading YAML safely (no anchors, aliases, tags; size first), writing it back |
| schema | the JSON Schema, its errors in plain English |
| checks | building the model from checked data; the checks the schema cannot express |
| parsing | `parse_definition`: YAML, then the schema, then the checks |
| grading | which questions are shown (`visible_questions`) and the suggested grade |
| library | the shipped files in qaf/tools/library/ |
| diff | what changed between two versions |

Other modules import from this package (`from qaf.tools.definition import ToolDefinition`),
never from its modules.
"""

from .diff import Change, definition_diff
from .grading import suggest_grade, visible_questions
from .library import library_index, library_read, load_library
from .model import (
    YES_NO_NA,
    AnswerValue,
    Band,
    Condition,
    GradeDescriptor,
    GradeOption,
    GradeRule,
    GradeScale,
    Option,
    Question,
    ScalePoint,
    Section,
    ToolDefinition,
)
from .parsing import parse_definition
from .problems import DefinitionInvalid, Problem
from .schema import load_schema
from .vocabulary import (
    CASE_FACTS,
    CHOICE_TYPES,
    KIND_LABELS,
    KINDS,
    MAX_FILE_BYTES,
    QUESTION_TYPES,
    SERVICE_LABELS,
    SERVICES,
    TEXT_MAX_LENGTH,
)
from .yaml_io import check_size

__all__ = [
    "CASE_FACTS",
    "CHOICE_TYPES",
    "KINDS",
    "KIND_LABELS",
    "MAX_FILE_BYTES",
    "QUESTION_TYPES",
    "SERVICES",
    "SERVICE_LABELS",
    "TEXT_MAX_LENGTH",
    "YES_NO_NA",
    "AnswerValue",
    "Band",
    "Change",
    "Condition",
    "DefinitionInvalid",
    "GradeDescriptor",
    "GradeOption",
    "GradeRule",
    "GradeScale",
    "Option",
    "Problem",
    "Question",
    "ScalePoint",
    "Section",
    "ToolDefinition",
    "check_size",
    "definition_diff",
    "library_index",
    "library_read",
    "load_library",
    "load_schema",
    "parse_definition",
    "suggest_grade",
    "visible_questions",
]
