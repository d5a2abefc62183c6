from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qaf.accounts"

    def ready(self) -> None:
        from . import signals  # noqa: F401
