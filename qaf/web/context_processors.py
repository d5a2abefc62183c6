from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .navigation import navigation_for


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "council_name": settings.QAF_COUNCIL_NAME,
        "navigation": navigation_for(user=request.user, path=request.path),
        "idle_timeout_seconds": settings.QAF_IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.QAF_IDLE_WARNING_SECONDS,
        "idle_warning_minutes": settings.QAF_IDLE_WARNING_SECONDS // 60,
    }
