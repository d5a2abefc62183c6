"""Helpers for the accounts tests: sign in through the real form, read pages as a person would."""

from typing import Any

from bs4 import BeautifulSoup
from django.test import Client
from django_otp.oath import totp

PASSWORD = "correct-horse-battery"  # the factory's password


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def error_summary(response: Any) -> list[str]:
    soup = page(response)
    summary = soup.select_one(".govuk-error-summary")
    if summary is None:
        return []
    return [a.get_text(strip=True) for a in summary.select(".govuk-error-summary__list a")]


def heading(response: Any) -> str:
    h1 = page(response).find("h1")
    return h1.get_text(strip=True) if h1 else ""


def post_sign_in(client: Client, username: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/sign-in/", {"username": username, "password": password}, **extra)


def current_code(device: Any) -> str:
    """The code an authenticator app shows now for this TOTP device."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def signed_in_client(user: Any, *, verified: bool = True) -> Client:
    """A client signed in as `user` now (per the clock), optionally with the second factor done."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user, backend="qaf.accounts.backends.LockoutModelBackend")
    if verified:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
