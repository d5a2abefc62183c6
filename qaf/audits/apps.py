from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "qaf.audits"
    verbose_name = "Audit cycle"

    def ready(self) -> None:
        # The QA measures (audit completion, grades, moderation agreement) on the scorecard.
        from . import kpis

        kpis.register()
