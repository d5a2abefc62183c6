from base64 import b32encode
from io import BytesIO
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from qaf.common.permissions import gate, public
from qaf.organisation.selectors import ScopeKind, scope_for

from .forms import APITokenForm, PasswordChangeForm, SignInForm, TokenCodeForm
from .services import api_token_create, api_token_revoke, user_password_change

SCOPE_DESCRIPTIONS = {
    ScopeKind.NOTHING: "Aggregate figures only: no child-level records",
    ScopeKind.EVERYTHING: "Every child and team in the council",
    ScopeKind.TEAMS: "The children and staff of the teams you manage",
    ScopeKind.OWN_CASELOAD: "The children allocated to you",
    ScopeKind.REVIEWED_CASES: "The children whose plans you chair or review",
}


@public
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignInForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="qaf.accounts.backends.LockoutModelBackend")
        next_url = request.POST.get("next", "")
        if url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            request.session["qaf_next"] = next_url
        if settings.QAF_DEMO_SKIP_SECOND_FACTOR:
            return redirect(request.session.pop("qaf_next", "") or "home")
        return redirect("accounts:two_factor")
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "timed_out": request.GET.get("timed_out") == "1",
            "sso_failed": request.GET.get("sso_failed") == "1",
            "oidc_enabled": settings.QAF_OIDC_ENABLED,
            "demo_mode": settings.QAF_DEMO_MODE,
        },
    )


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@public  # answers 401 itself once the session has ended
@require_GET
def keepalive(request: HttpRequest) -> HttpResponse:
    """Touching the session resets the idle clock (the middleware records the visit).

    401 when the session has already ended, so the page knows to go to the sign-in page.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


@gate("accounts.signed_in")
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code, or enrol an authenticator app on first sign-in."""
    user: Any = request.user
    if user.is_verified() or request.session.get("qaf_sso"):
        return redirect("home")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, confirmed=False, name="Authenticator app")
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return redirect(request.session.pop("qaf_next", "") or "home")
        form.add_error("code", "The security code is wrong or has expired. Enter the current code")
    context: dict[str, Any] = {"form": form, "enrolling": enrolling}
    if enrolling:
        context["qr_svg"] = _qr_svg(device.config_url)
        # Authenticator apps take the key in base32 (RFC 4648), as the QR code carries it.
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.html", context)


@gate("accounts.signed_in")
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/account.html", _account_context(request.user, APITokenForm()))


def _account_context(user: Any, token_form: APITokenForm) -> dict[str, Any]:
    staff = user.staff
    return {
        "account_rows": [
            ("Username", user.username),
            ("Role", user.get_role_display()),
            ("Staff record", f"{staff.full_name} ({staff.staff_id})" if staff else ""),
            ("What you can see", SCOPE_DESCRIPTIONS[scope_for(user=user).kind]),
        ],
        "has_password": user.has_usable_password(),
        "tokens": user.api_tokens.filter(revoked_at__isnull=True).order_by("-created_at"),
        "token_form": token_form,
        "form": token_form,
    }


@gate("accounts.signed_in")
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = APITokenForm(request.POST)
    if not form.is_valid():
        return render(request, "accounts/account.html", _account_context(user, form), status=400)
    token, key = api_token_create(user=user, name=form.cleaned_data["name"])
    return render(request, "accounts/token_created.html", {"token": token, "key": key})


@gate("accounts.signed_in")
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    user: Any = request.user
    token = user.api_tokens.filter(pk=token_id).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token)
    messages.success(request, f"Token '{token.name}' revoked")
    return redirect("accounts:account")


@gate("accounts.signed_in")
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change your own password, after typing the current one again."""
    user: Any = request.user
    if not user.has_usable_password():
        # Council accounts sign in through the council's provider: no password here to change.
        return render(request, "accounts/password_change.html", {"form": None})
    form = PasswordChangeForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        user_password_change(
            user=user,
            password=form.cleaned_data["new_password"],
            keep_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, user)  # this session stays signed in
        messages.success(
            request, "Your password has been changed. You have been signed out everywhere else."
        )
        return redirect("accounts:account")
    return render(request, "accounts/password_change.html", {"form": form})
