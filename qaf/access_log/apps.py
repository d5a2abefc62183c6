from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AccessLogConfig(AppConfig):
    name = "qaf.access_log"
    verbose_name = "Access log"

    def ready(self) -> None:
        from .triggers import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="qaf_access_log")
