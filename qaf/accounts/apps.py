from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "qaf.accounts"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
