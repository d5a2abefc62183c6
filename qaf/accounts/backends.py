from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .services import login_is_locked


class LockoutModelBackend(ModelBackend):
    """Username and password, refused outright while the username is locked out."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username and login_is_locked(username=username):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
