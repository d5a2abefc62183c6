"""England's published figures, shipped (docs/kpis.md cites each). Loaded from
qaf/performance/data/england.csv as it stood when this migration was written: the rows are
copied here so that later edits to the file do not change what this migration did."""

import datetime as dt

from django.db import migrations

ROWS = [
    ("re_referrals", "2024", 22.4, "DfE, Children in need: a focus on re-referrals, reporting year 2024: 139,080 of 621,880 referrals were re-referrals within 12 months (headline 22%). https://explore-education-statistics.service.gov.uk/find-statistics/children-in-need-a-focus-on-re-referrals"),
    ("assessments_45", "2025", 85.7, "DfE, Children in need, reporting year 2025, data set C2 (completed assessments by duration): 555,820 of 648,830 completed within 45 working days. https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/3fb5a93d-1eb3-4f3a-bdd0-5caea4556ce6"),
    ("icpc_15", "2025", 81.4, "DfE, Children in need, reporting year 2025, data set C4: 58,670 of 72,090 ICPCs within 15 working days of the start of the section 47 enquiry (DfE counts from the s47 start, QAF from the strategy discussion). https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/b0749fa2-c0e2-4a15-8c0f-23941b3b6161"),
    ("cp_two_years", "2025", 4.4, "DfE, Children in need, reporting year 2025, data set D7 (CP plans ending by duration): 2,710 of 62,300 plans ending lasted 2 years or more. https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/04a78d29-2196-4bea-bf95-7a2eced5d0d5"),
    ("cic_rate", "2024", 70.0, "DfE, Children looked after in England including adoptions, reporting year 2024: 83,630 children looked after on 31 March 2024, 70 per 10,000 children. https://explore-education-statistics.service.gov.uk/find-statistics/children-looked-after-in-england-including-adoptions/2024"),
]  # fmt: skip


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    Benchmark = apps.get_model("performance", "Benchmark")
    when = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for key, period, value, source in ROWS:
        Benchmark.objects.update_or_create(
            kpi_key=key,
            comparator="england",
            period=period,
            defaults={"value": value, "source": source, "imported_at": when},
        )


def unload(apps, schema_editor):  # type: ignore[no-untyped-def]
    Benchmark = apps.get_model("performance", "Benchmark")
    for key, period, _, _ in ROWS:
        Benchmark.objects.filter(kpi_key=key, comparator="england", period=period).delete()


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
