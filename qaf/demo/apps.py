from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The fictional demo council: generated, deterministic, never real people."""

    name = "qaf.demo"
