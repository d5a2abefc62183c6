"""Typing for the organisation pages."""

from django.http import HttpRequest

from qaf.accounts.models import User


class SignedInRequest(HttpRequest):
    """What a gated view receives: its gate has made sure the person is signed in, so
    `request.user` is a User (typing only; Django passes an ordinary request)."""

    user: User
