from django.apps import AppConfig


class TextConfig(AppConfig):
    name = "qaf.text"
    label = "text"
    verbose_name = "Local text models"
