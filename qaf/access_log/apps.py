from django.apps import AppConfig


class AccessLogConfig(AppConfig):
    name = "qaf.access_log"
    verbose_name = "Access log"
