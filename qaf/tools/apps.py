from django.apps import AppConfig


class ToolsConfig(AppConfig):
    name = "qaf.tools"
    verbose_name = "Audit tools"
