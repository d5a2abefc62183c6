from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site shell: home pages, the role-aware navigation and the error pages."""

    name = "qaf.web"
