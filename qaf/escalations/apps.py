from django.apps import AppConfig


class EscalationsConfig(AppConfig):
    name = "qaf.escalations"
