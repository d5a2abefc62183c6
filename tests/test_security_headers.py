"""Security headers, cookies, CSRF and the generic error pages."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path, reverse

from config import urls as project_urls
from conftest import sign_in
from qaf.web.errors import PAGES
from tests.access_matrix.matrix import load_entries
from tests.access_matrix.objects import KINDS

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[1]
# Role values as plain strings: qaf.common sits below qaf.accounts (import-linter).
PRACTITIONER, QA_OFFICER, ELECTED_MEMBER = "practitioner", "qa_officer", "elected_member"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-internal-detail: database password is hunter2")


# A URL configuration for the 500 test: the project's, plus one view that fails.
urlpatterns = [*project_urls.urlpatterns, path("test-boom/", boom)]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def assert_generic_error_page(response: Any, status: int) -> None:
    page = soup(response)
    title = PAGES[status][0]
    assert page.h1 is not None and page.h1.get_text(strip=True) == title
    assert "govuk-heading-l" in page.h1["class"]
    assert page.select_one("header.govuk-header") is not None  # the service's own layout
    text = page.get_text()
    for leak in ("Traceback", "secret-internal-detail", "CSRF", "Request Method", "settings.py"):
        assert leak not in text


# Content security policy


def test_csp_header_has_a_nonce_and_the_inline_script_carries_it(client_for):
    response = client_for(PRACTITIONER).get("/")
    policy = response["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}
    nonces = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert len(nonce) >= 16
    assert "'unsafe-inline'" not in policy
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    inline = [s for s in soup(response).find_all("script") if not s.get("src")]
    assert inline, "base.html has its inline script"
    assert [s.get("nonce") for s in inline] == [nonce] * len(inline)


def test_nonce_differs_per_response(client_for):
    client = client_for(PRACTITIONER)
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]
    assert first != second


def test_sign_in_page_has_csp_and_frame_protection(client):
    response = client.get("/accounts/sign-in/")
    assert "script-src" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


# Caching


def _signed_in_get_routes(council: Any, role: str) -> list[str]:
    """Every page the access matrix says this role may reach with GET."""
    paths = []
    for entry in load_entries():
        name = entry.name
        if entry.is_wildcard or entry.method != "GET" or name.startswith(("api-v1:", "admin:")):
            continue
        if entry.outcome_for(role) not in {"ok", "scoped"}:
            continue
        kwargs = {}
        for kwarg, kind in entry.objects.items():
            inside, outside = KINDS[kind](council, role)
            kwargs[kwarg] = inside if inside is not None else outside
        paths.append(reverse(name, kwargs=kwargs))
    return paths


@pytest.mark.parametrize("role", [QA_OFFICER, PRACTITIONER, ELECTED_MEMBER])
def test_every_signed_in_page_is_no_store(council, client_for, role):
    client = client_for(role)
    paths = _signed_in_get_routes(council, role)
    assert "/" in paths and "/accounts/account/" in paths
    for url in [*paths, "/no-such-page/"]:
        response = client.get(url)
        assert "no-store" in response.get("Cache-Control", ""), f"{url} can be cached"
        assert "private" in response["Cache-Control"], url


def test_every_api_response_is_no_store(council, client_for):
    """Bearer-token answers are covered in qaf/api/tests/test_authentication.py."""
    client = client_for(PRACTITIONER)
    child = council.own_child.pk
    responses = [
        client.get("/api/v1/children/"),
        client.get(f"/api/v1/children/{child}"),
        client.get(f"/api/v1/children/{child}/involvements"),
        client.get("/api/v1/organisation/teams"),
        client.get(f"/api/v1/children/{council.far_child.pk}"),  # 404
        Client().get("/api/v1/children/"),  # 401
        Client().get("/api/v1/openapi.json"),
    ]
    for response in responses:
        assert "no-store" in response["Cache-Control"], response.request["PATH_INFO"]


def test_x_frame_options_is_deny_everywhere(client_for):
    client = client_for(QA_OFFICER)
    for url in ("/", "/children/", "/api/v1/children/", "/no-such-page/"):
        assert client.get(url)["X-Frame-Options"] == "DENY", url


def test_other_hardening_headers(client_for):
    response = client_for(QA_OFFICER).get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# CSRF


def test_post_without_csrf_token_is_refused_with_the_generic_403_page(council):
    client = sign_in(Client(enforce_csrf_checks=True), council.users[PRACTITIONER])
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 403
    assert_generic_error_page(response, 403)
    assert client.get("/").status_code == 200  # still signed in: the sign-out did not happen


def test_page_carries_the_csrf_token_for_htmx_and_the_header_alone_passes(council):
    client = sign_in(Client(enforce_csrf_checks=True), council.users[PRACTITIONER])
    meta = soup(client.get("/")).find("meta", attrs={"name": "csrf-token"})
    assert meta is not None and meta["content"]
    response = client.post(
        "/accounts/sign-out/", HTTP_X_CSRFTOKEN=meta["content"], HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/"
    assert client.get("/")["Location"].startswith("/accounts/sign-in/")  # signed out


def test_htmx_post_with_a_wrong_header_token_is_refused(council):
    client = sign_in(Client(enforce_csrf_checks=True), council.users[PRACTITIONER])
    client.get("/")
    response = client.post("/accounts/sign-out/", HTTP_X_CSRFTOKEN="x" * 64, HTTP_HX_REQUEST="true")
    assert response.status_code == 403


def test_qaf_js_sends_the_meta_token_as_x_csrftoken():
    source = (BASE_DIR / "frontend" / "src" / "qaf.js").read_text()
    assert "htmx:configRequest" in source
    assert 'meta[name="csrf-token"]' in source
    assert 'headers["X-CSRFToken"]' in source
    assert settings.CSRF_HEADER_NAME == "HTTP_X_CSRFTOKEN"


# Cookies


def test_session_cookie_is_httponly_and_samesite_lax(council):
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": "practitioner", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def _production_settings(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "QAF_", "DATABASE_URL", "OIDC_"))
    }
    env.update(env_overrides)
    code = (
        "import json, config.settings.production as s\n"
        "names = ['SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_HSTS_PRELOAD',"
        " 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'DEBUG',"
        " 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'CSRF_FAILURE_VIEW']\n"
        "print(json.dumps({n: getattr(s, n) for n in names}))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_set_hsts_and_secure_cookies():
    result = _production_settings(
        {
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "qaf.example.invalid",
            "QAF_SITE_URL": "https://qaf.example.invalid",
        }
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SECURE_HSTS_SECONDS"] >= 31536000  # at least a year
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["DEBUG"] is False
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["CSRF_FAILURE_VIEW"] == settings.CSRF_FAILURE_VIEW


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"DJANGO_SECRET_KEY": "insecure-development-key-change-me-0123456789abcdefghijklmn"},
        {"DJANGO_SECRET_KEY": "too-short"},
    ],
)
def test_production_settings_refuse_a_missing_or_weak_secret_key(env):
    result = _production_settings(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_hsts_header_is_sent_over_https_with_production_values(client_for):
    with override_settings(
        SECURE_HSTS_SECONDS=63072000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True, SECURE_HSTS_PRELOAD=True
    ):
        response = client_for(PRACTITIONER).get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"


# Error pages


def test_404_shows_the_generic_error_page(client_for):
    response = client_for(PRACTITIONER).get("/no-such-page/")
    assert response.status_code == 404
    assert_generic_error_page(response, 404)


def test_out_of_scope_record_shows_the_same_404_page(council, client_for):
    response = client_for(PRACTITIONER).get(f"/children/{council.far_child.pk}/")
    assert response.status_code == 404
    assert_generic_error_page(response, 404)


@override_settings(ROOT_URLCONF=__name__)
def test_500_shows_the_generic_error_page_without_a_traceback(client_for):
    client = client_for(PRACTITIONER)
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    assert response.status_code == 500
    assert_generic_error_page(response, 500)


@override_settings(ROOT_URLCONF=__name__)
def test_500_for_a_signed_out_visitor_is_generic_too(client):
    client.raise_request_exception = False
    response = client.get("/test-boom/")
    assert response.status_code == 500
    assert_generic_error_page(response, 500)
