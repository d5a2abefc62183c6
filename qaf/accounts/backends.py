from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .services import client_address, sign_in_attempt_begin, sign_in_attempt_end


class LockoutModelBackend(ModelBackend):
    """Username and password, with the lockout around every password check (the sign-in form,
    re-authentication to change a password, anything calling `authenticate`): the attempt is
    counted before the password is checked, and no password is checked while locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not username or password is None:
            return None
        attempt = sign_in_attempt_begin(username=username, address=client_address(request))
        if attempt.locked:
            return None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        sign_in_attempt_end(attempt=attempt, succeeded=user is not None)
        return user
