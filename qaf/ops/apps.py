from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Running QAF: backups and restores (no models, no pages)."""

    name = "qaf.ops"
    verbose_name = "Operations"
