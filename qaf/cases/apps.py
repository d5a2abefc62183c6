from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "qaf.cases"
