from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "qaf.audits"
    verbose_name = "Audit cycle"
