"""API authentication: the browser session (second factor done) or a bearer token."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from qaf.accounts.services import api_token_authenticate


class VerifiedSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user: Any = request.user
        if not user.is_authenticated:
            return None
        verified = (
            settings.QAF_DEMO_SKIP_SECOND_FACTOR
            or request.session.get("qaf_sso")
            or user.is_verified()
        )
        return user if verified else None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(key=token)
        if user is not None:
            request.user = user  # selectors scope on request.user, exactly as pages do
        return user
