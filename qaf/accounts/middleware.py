from collections.abc import Callable
from urllib.parse import urlencode

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

# Paths that answer a timed-out session with their own "not signed in" status instead of a
# redirect to the sign-in page (the JSON API answers 401, the keepalive ping 401).
ANSWER_TIMEOUT_THEMSELVES = ("/api/", "/accounts/keepalive/")


def signed_out_url(request: HttpRequest) -> str:
    query = {"timed_out": "1"}
    if request.method == "GET" and not request.headers.get("HX-Request"):
        query["next"] = request.get_full_path()
    return reverse("accounts:login") + "?" + urlencode(query)


class SessionLifetimeMiddleware:
    """Ends a session after 30 idle minutes or 12 hours in all, whichever comes first.

    Every request from a signed-in person moves the idle clock on; the absolute clock starts at
    sign-in and never moves. A signed-in session without the clocks (older than this code, or
    made some other way) is treated as expired.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = clock.now().timestamp()
            login_at = request.session.get("qaf_login_at")
            last_seen = request.session.get("qaf_last_seen")
            expired = (
                login_at is None
                or last_seen is None
                or now - last_seen > settings.QAF_IDLE_TIMEOUT_SECONDS
                or now - login_at > settings.QAF_ABSOLUTE_SESSION_SECONDS
            )
            if expired:
                url = signed_out_url(request)
                logout(request)
                if request.path.startswith(ANSWER_TIMEOUT_THEMSELVES):
                    return self.get_response(request)
                if request.headers.get("HX-Request"):
                    # htmx would swap a redirected sign-in page into a fragment: send the
                    # whole window there instead.
                    return HttpResponse(status=204, headers={"HX-Redirect": url})
                return HttpResponseRedirect(url)
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
