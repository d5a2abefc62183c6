"""Factories for tools and responses: the shipped library's tools, loaded through the services."""

from typing import Any

from qaf.tools.models import FormResponse, ToolVersion
from qaf.tools.selectors import tool_version_get
from qaf.tools.services import form_response_start, tool_library_load


def library_version(key: str = "universal-case-audit", version: int = 1) -> ToolVersion:
    """A shipped tool version, published (the library is loaded on first use)."""
    if not ToolVersion.objects.filter(tool__key=key, version=version).exists():
        tool_library_load(by=None)
    return tool_version_get(key=key, version=version)


def response_for(user: Any, key: str = "universal-case-audit", **kwargs: Any) -> FormResponse:
    return form_response_start(tool_version=library_version(key), author=user, **kwargs)


SMALL_TOOL = """\
key: small-tool
title: Small tool
version: 1
kind: checklist
services: all
description: A tool with one question of every type, for tests.
overall_grade: true
overall_grade_rule:
  method: worst_section
grade_scale:
  key: ofsted
  grades:
    - {value: outstanding, label: Outstanding, good_or_better: true}
    - {value: good, label: Good, good_or_better: true}
    - {value: requires_improvement, label: Requires improvement}
    - {value: inadequate, label: Inadequate}
sections:
  - key: first
    title: First section
    graded: true
    grade_rule:
      method: mean_of_scales
      questions: [score]
      bands:
        - {min: 3, grade: outstanding}
        - {min: 2, grade: good}
        - {min: 1, grade: inadequate}
    questions:
      - key: score
        label: How well was it done?
        type: scale
        hint: Choose a point on the scale.
        points:
          - {value: 1, label: Poorly}
          - {value: 2, label: Well}
          - {value: 3, label: Very well}
      - key: grade_q
        label: Which grade fits?
        type: grade
      - key: seen
        label: Was the child seen?
        type: yes_no_na
        case_fact: allocated_worker
      - key: why_not
        label: Why was the child not seen?
        type: long_text
        show_if: {question: seen, equals: 'no'}
      - key: colour
        label: Which colour?
        type: single_choice
        options:
          - {value: red, label: Red}
          - {value: blue, label: Blue}
      - key: tags
        label: Which tags apply?
        type: multiple_choice
        required: false
        options:
          - {value: a, label: Tag A}
          - {value: b, label: Tag B}
      - key: visit_date
        label: When was the last visit?
        type: date
        hint: For example, 27 3 2025
      - key: count
        label: How many visits?
        type: number
        min: 0
        max: 100
      - key: name
        label: Short note
        type: short_text
        required: false
      - key: words
        label: What the child said
        type: own_words
"""
