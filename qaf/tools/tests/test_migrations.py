"""The data migration that writes each stored version's grade scale out (0003): the versions
stored before it keep their meaning, read by today's parser."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from qaf.common import clock
from qaf.tools.definition import parse_definition

from .factories import SMALL_TOOL

BEFORE = [("tools", "0002_version_own_title")]
AFTER = [("tools", "0003_grade_scales_as_data")]

OFSTED = [
    ("outstanding", "Outstanding", True),
    ("good", "Good", True),
    ("requires_improvement", "Requires improvement", False),
    ("inadequate", "Inadequate", False),
]
SCALE_BLOCK = SMALL_TOOL[SMALL_TOOL.index("grade_scale:") : SMALL_TOOL.index("sections:")]
NAMED = SMALL_TOOL.replace(SCALE_BLOCK, "grade_scale: ofsted\n")  # as files were written
UNNAMED = SMALL_TOOL.replace(SCALE_BLOCK, "").replace("key: small-tool", "key: default-scale")
UNIT = (
    SMALL_TOOL.replace(SCALE_BLOCK, "grade_scale: unit_meeting\n")
    .replace("key: small-tool", "key: unit-tool")
    .replace("grade: outstanding}", "grade: gold}")
    .replace("grade: good}", "grade: silver}")
    .replace("grade: inadequate}", "grade: not_met}")
)
SURVEY = """\
key: a-survey
title: A survey
version: 1
kind: survey
services: all
description: No grades.
sections:
  - key: only
    title: Only
    questions:
      - {key: words, label: Tell us, type: own_words}
"""


UNIT_BLOCK = """\
grade_scale:
  key: unit_meeting
  grades:
    - {value: gold, label: Gold}
    - {value: silver, label: Silver}
    - {value: bronze, label: Bronze}
    - {value: not_met, label: Not met}
"""


def old_data(source: str) -> dict:
    """The definition data as the code before 0003 stored it: `to_dict()` with `grade_scale` a
    name, always there (the default was ofsted)."""
    named = "unit_meeting" if "grade_scale: unit_meeting" in source else "ofsted"
    modern = source.replace(f"grade_scale: {named}\n", "")
    if "overall_grade: true" in modern:
        modern += UNIT_BLOCK if named == "unit_meeting" else SCALE_BLOCK
    data = parse_definition(modern).to_dict()
    data["grade_scale"] = named
    return data


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_stored_versions_get_their_scale_written_out_with_the_same_meaning():
    apps = migrate(BEFORE)
    try:
        Tool = apps.get_model("tools", "Tool")
        ToolVersion = apps.get_model("tools", "ToolVersion")
        stored = {}
        for source in (NAMED, UNNAMED, UNIT, SURVEY):
            data = old_data(source)
            tool = Tool.objects.create(
                key=data["key"], title=data["title"], kind=data["kind"], created_at=clock.now()
            )
            stored[data["key"]] = ToolVersion.objects.create(
                tool=tool,
                version=1,
                title=data["title"],
                status="published",
                source_yaml=source,
                definition_data=data,
                created_at=clock.now(),
            ).pk
        apps = migrate(AFTER)
        ToolVersion = apps.get_model("tools", "ToolVersion")
        after = {v.tool.key: v for v in ToolVersion.objects.filter(pk__in=stored.values())}
        for key, version in after.items():
            parsed = parse_definition(version.source_yaml)
            assert parsed.to_dict() == version.definition_data, key
        scales = {
            key: [
                (g.value, g.label, g.good_or_better)
                for g in parse_definition(v.source_yaml).grades()
            ]
            for key, v in after.items()
        }
        assert scales["small-tool"] == OFSTED  # named: written out
        assert scales["default-scale"] == OFSTED  # unnamed but graded: the old default
        assert [g[0] for g in scales["unit-tool"]] == ["gold", "silver", "bronze", "not_met"]
        assert not any(g[2] for g in scales["unit-tool"])
        assert scales["a-survey"] == []  # grades nothing: the unused default is gone
        assert "grade_scale" not in after["a-survey"].definition_data
        assert after["small-tool"].source_yaml == SMALL_TOOL  # as the library writes it now

        apps = migrate(BEFORE)  # and back
        ToolVersion = apps.get_model("tools", "ToolVersion")
        back = {v.tool.key: v for v in ToolVersion.objects.filter(pk__in=stored.values())}
        assert back["small-tool"].source_yaml == NAMED
        assert back["unit-tool"].source_yaml == UNIT
        assert back["small-tool"].definition_data["grade_scale"] == "ofsted"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
