from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "qaf.feedback"
    label = "feedback"
    verbose_name = "Feedback and the child's voice"
    default_auto_field = "django.db.models.BigAutoField"
