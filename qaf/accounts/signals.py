from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from qaf.common import clock

from .services import login_failure_record, login_failures_clear, user_session_track


@receiver(user_login_failed)
def record_failure(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    username = credentials.get("username")
    if username:
        login_failure_record(username=username)


@receiver(user_logged_in)
def start_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    login_failures_clear(username=user.username)
    if request is not None and hasattr(request, "session"):
        request.session["qaf_login_at"] = clock.now().timestamp()
        request.session["qaf_last_seen"] = clock.now().timestamp()
        if request.session.session_key is None:
            request.session.save()
        user_session_track(user=user, session_key=request.session.session_key)
