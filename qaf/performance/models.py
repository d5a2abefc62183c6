"""Comparator figures shown beside each KPI: England and the council's statistical neighbours."""

from django.db import models


class Comparator(models.TextChoices):
    ENGLAND = "england", "England"
    STATISTICAL_NEIGHBOURS = "statistical_neighbours", "Statistical neighbours"


class Benchmark(models.Model):
    """One published figure for a KPI (same key and unit as qaf.performance.kpis)."""

    kpi_key = models.CharField("KPI", max_length=40)
    comparator = models.CharField(max_length=30, choices=Comparator.choices)
    period = models.CharField(
        max_length=20, help_text="the reporting year the figure is for, e.g. 2025 or 2024-25"
    )
    value = models.FloatField()
    source = models.CharField(max_length=500, help_text="publication, year and address")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["kpi_key", "comparator", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi_key", "comparator", "period"], name="benchmark_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kpi_key} {self.get_comparator_display()} {self.period}: {self.value}"
