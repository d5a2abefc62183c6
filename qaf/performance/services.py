"""Writes for the scorecard: importing comparator figures (benchmarks) from CSV."""

import csv
import io
from typing import Any

from django.db import transaction

from qaf.common import clock
from qaf.common.errors import ImportRefused

from .kpis import kpi_get
from .models import Benchmark, Comparator

BENCHMARK_COLUMNS = ("kpi", "comparator", "period", "value", "source")
MAX_BENCHMARK_BYTES = 1024 * 1024


def _problems_for(number: int, row: dict[str, str]) -> list[str]:
    problems = []
    key = row.get("kpi", "").strip()
    if kpi_get(key) is None:
        problems.append(f"row {number}: {key!r} is not a KPI key (see docs/kpis.md)")
    comparator = row.get("comparator", "").strip()
    if comparator not in Comparator.values:
        problems.append(
            f"row {number}: comparator {comparator!r} must be england or statistical_neighbours"
        )
    period = row.get("period", "").strip()
    if not period or len(period) > 20:
        problems.append(f"row {number}: period must be given (e.g. 2025 or 2024-25)")
    try:
        float(row.get("value", "").strip())
    except ValueError:
        problems.append(f"row {number}: value {row.get('value', '')!r} is not a number")
    source = row.get("source", "").strip()
    if not source or len(source) > 500:
        problems.append(f"row {number}: source must say where the figure was published")
    return problems


@transaction.atomic
def benchmark_import_csv(*, data: bytes) -> dict[str, int]:
    """Add or replace figures (keyed on KPI, comparator and period). All or nothing:
    any bad row refuses the file with every problem listed, and nothing is written."""
    if len(data) > MAX_BENCHMARK_BYTES:
        raise ImportRefused("The benchmark file is over 1 MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportRefused("The benchmark file is not UTF-8 text") from error
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        rows = list(reader)
    except csv.Error as error:
        raise ImportRefused(f"The benchmark file is not valid CSV: {error}") from error
    missing = [c for c in BENCHMARK_COLUMNS if c not in header]
    if missing:
        raise ImportRefused(
            f"The benchmark file has no column {', '.join(missing)}; "
            f"expected the header {','.join(BENCHMARK_COLUMNS)}"
        )
    if not rows:
        raise ImportRefused("The benchmark file has a header but no rows")
    problems: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    clean: list[dict[str, Any]] = []
    for number, raw in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "") for k, v in raw.items() if k is not None}
        if None in raw:
            problems.append(f"row {number}: more cells than the header")
            continue
        found = _problems_for(number, row)
        problems.extend(found)
        if found:
            continue
        key = (row["kpi"].strip(), row["comparator"].strip(), row["period"].strip())
        if key in seen:
            problems.append(f"row {number}: {', '.join(key)} is given twice")
            continue
        seen.add(key)
        clean.append(
            {"kpi_key": key[0], "comparator": key[1], "period": key[2],
             "value": float(row["value"]), "source": row["source"].strip()}
        )  # fmt: skip
    if problems:
        raise ImportRefused(
            f"The benchmark file was refused ({len(problems)} problems; nothing was saved): "
            + "; ".join(problems[:20])
        )
    counts = {"created": 0, "updated": 0}
    now = clock.now()
    for item in clean:
        _, created = Benchmark.objects.update_or_create(
            kpi_key=item["kpi_key"],
            comparator=item["comparator"],
            period=item["period"],
            defaults={"value": item["value"], "source": item["source"], "imported_at": now},
        )
        counts["created" if created else "updated"] += 1
    return counts
