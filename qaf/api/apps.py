from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qaf.api"
    verbose_name = "JSON API"
