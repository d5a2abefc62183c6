"""The words of the tool format: kinds, services, question types, case facts, size limits.

Pure data, no imports from the project: every other module of the definition package reads it.
"""

from typing import Literal, get_args

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

KIND_LABELS: dict[str, str] = {
    "case_audit": "Case audit",
    "observation": "Observation",
    "appreciative_inquiry": "Appreciative inquiry",
    "review_qa": "Review QA",
    "checklist": "Checklist",
    "survey": "Survey",
    "coa": "Children's Outcome Analysis",
    "multi_agency_audit": "Multi-agency audit",
}
"""How each kind is named on screen."""

SERVICE_LABELS: dict[str, str] = {
    "childrens-social-work": "Children's social work",
    "children-in-care": "Children in care",
    "care-leavers": "Care leavers",
    "early-help": "Early help",
    "youth-justice": "Youth justice",
    "adoption-and-kinship": "Adoption and kinship",
    "disabled-children": "Disabled children",
    "send": "SEND",
    "front-door": "Front door",
    "open-access": "Open access (children's centres and youth hubs)",
}
"""How each service key is named on screen."""

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
