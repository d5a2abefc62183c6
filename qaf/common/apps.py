from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "qaf.common"

    def ready(self) -> None:
        # Every app's named permissions (qaf.common.permissions) register themselves on import.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("permissions")
