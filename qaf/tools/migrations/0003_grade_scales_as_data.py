"""Grade scales as data: each stored tool version declares its grade scale in its own file.

Before, a file named its scale (`grade_scale: ofsted`, the default, or `unit_meeting`) and the
grades lived in code. Now the file lists them (values, labels, order, which count as good or
better). This rewrites every stored version to the form the shipped library now has, with the
same meaning: the named scale's line becomes the scale written out; a version that named none
and grades anything gets the Ofsted scale, which was its default; a version that grades nothing
loses the unused default. The scales below are frozen here as they were in code: a migration is
history, not a place later changes reach.
"""

import re

from django.db import migrations

OFSTED = {
    "key": "ofsted",
    "grades": [
        {"value": "outstanding", "label": "Outstanding", "good_or_better": True},
        {"value": "good", "label": "Good", "good_or_better": True},
        {"value": "requires_improvement", "label": "Requires improvement"},
        {"value": "inadequate", "label": "Inadequate"},
    ],
}
UNIT_MEETING = {
    "key": "unit_meeting",
    "grades": [
        {"value": "gold", "label": "Gold"},
        {"value": "silver", "label": "Silver"},
        {"value": "bronze", "label": "Bronze"},
        {"value": "not_met", "label": "Not met"},
    ],
}
SCALES = {"ofsted": OFSTED, "unit_meeting": UNIT_MEETING}

NAMED = re.compile(r"^grade_scale:[ \t]*['\"]?(ofsted|unit_meeting)['\"]?[ \t]*(?:#.*)?$", re.M)


def scale_block(scale: dict) -> str:
    """The scale as the shipped files write it."""
    lines = ["grade_scale:", f"  key: {scale['key']}", "  grades:"]
    for g in scale["grades"]:
        extra = ", good_or_better: true" if g.get("good_or_better") else ""
        lines.append(f"    - {{value: {g['value']}, label: {g['label']}{extra}}}")
    return "\n".join(lines)


def written_block(key: str) -> re.Pattern[str]:
    scale = SCALES[key]
    return re.compile("^" + re.escape(scale_block(scale)) + "$", re.M)


def uses_grades(data: dict) -> bool:
    sections = data.get("sections", [])
    return bool(
        data.get("overall_grade")
        or any(s.get("graded") for s in sections)
        or any(q.get("type") == "grade" for s in sections for q in s.get("questions", []))
    )


def with_scale(data: dict, scale: dict | None) -> dict:
    """The stored definition with `grade_scale` replaced in place (or left out)."""
    out = {}
    for key, value in data.items():
        if key == "grade_scale":
            if scale is not None:
                out[key] = scale
            continue
        if key == "sections" and scale is not None and "grade_scale" not in out:
            out["grade_scale"] = scale
        out[key] = value
    return out


def write_out(source: str, data: dict) -> tuple[str, dict]:
    """One version's (source, definition data) with its scale written out."""
    named = data.get("grade_scale", "ofsted")
    if isinstance(named, dict):
        return source, data  # already data
    scale = SCALES[named]
    if NAMED.search(source):
        source = NAMED.sub(lambda m: scale_block(scale), source, count=1)
    elif uses_grades(data):
        source = source.rstrip("\n") + "\n" + scale_block(scale) + "\n"
    else:
        scale = None
    return source, with_scale(data, scale)


def name_again(source: str, data: dict) -> tuple[str, dict]:
    scale = data.get("grade_scale")
    if not isinstance(scale, dict):
        return source, {**data, "grade_scale": "ofsted"}
    key = scale["key"]
    return (
        written_block(key).sub(f"grade_scale: {key}", source, count=1),
        with_scale(data, key),  # type: ignore[arg-type]
    )


def forwards(apps, schema_editor):
    ToolVersion = apps.get_model("tools", "ToolVersion")
    for version in ToolVersion.objects.all():
        source, data = write_out(version.source_yaml, version.definition_data)
        if (source, data) != (version.source_yaml, version.definition_data):
            version.source_yaml, version.definition_data = source, data
            version.save(update_fields=["source_yaml", "definition_data"])


def backwards(apps, schema_editor):
    ToolVersion = apps.get_model("tools", "ToolVersion")
    for version in ToolVersion.objects.all():
        version.source_yaml, version.definition_data = name_again(
            version.source_yaml, version.definition_data
        )
        version.save(update_fields=["source_yaml", "definition_data"])


class Migration(migrations.Migration):
    dependencies = [("tools", "0002_version_own_title")]

    operations = [migrations.RunPython(forwards, backwards)]
