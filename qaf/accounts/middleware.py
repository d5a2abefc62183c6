from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from qaf.common import clock

# Paths a signed-in user may reach before completing the second factor.
# The API checks the second factor in its own session authentication.
SECOND_FACTOR_EXEMPT = (
    "/accounts/sign-in/",
    "/accounts/sign-out/",
    "/accounts/two-factor/",
    "/accounts/keepalive/",
    "/static/",
    "/api/",
    "/oidc/",
)


class SessionLifetimeMiddleware:
    """Ends a session after 30 idle minutes or 12 hours in all, whichever comes first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and "qaf_login_at" in request.session:
            now = clock.now().timestamp()
            login_at = request.session.get("qaf_login_at", now)
            last_seen = request.session.get("qaf_last_seen", now)
            idle = now - last_seen > settings.QAF_IDLE_TIMEOUT_SECONDS
            too_old = now - login_at > settings.QAF_ABSOLUTE_SESSION_SECONDS
            if idle or too_old:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return HttpResponseRedirect(reverse("accounts:login") + "?timed_out=1")
            request.session["qaf_last_seen"] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """A password alone is not enough: local accounts must verify a TOTP code.

    Council SSO sessions rely on the provider's own multi-factor policy. Demo mode may switch
    this off; production settings refuse that switch.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not settings.QAF_DEMO_SKIP_SECOND_FACTOR
            and not request.session.get("qaf_sso")
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith(SECOND_FACTOR_EXEMPT)
        ):
            return HttpResponseRedirect(reverse("accounts:two_factor"))
        return self.get_response(request)
