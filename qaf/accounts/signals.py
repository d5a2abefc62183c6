from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from qaf.common import clock

from .services import user_session_forget, user_session_track

OIDC_BACKEND = "qaf.accounts.oidc.CouncilOIDCBackend"


@receiver(user_logged_in)
def start_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Runs after Django has rotated the session key: start the idle and absolute clocks."""
    if request is None or not hasattr(request, "session"):
        return
    now = clock.now().timestamp()
    request.session["qaf_login_at"] = now
    request.session["qaf_last_seen"] = now
    # Set at every sign-in from the backend that actually authenticated the person, so a
    # password sign-in never inherits an earlier single sign-on's exemption from TOTP.
    request.session["qaf_sso"] = getattr(user, "backend", "") == OIDC_BACKEND
    if request.session.session_key is None:
        request.session.save()
    user_session_track(user=user, session_key=request.session.session_key)


@receiver(user_logged_out)
def end_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and getattr(request, "session", None) is not None:
        key = request.session.session_key
        if key:
            user_session_forget(session_key=key)
