from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import HttpRequest

from .services import login_is_locked


class SignInForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
        error_messages={
            "required": "Enter your username",
            "max_length": "Usernames are 150 characters or fewer",
        },
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your password"},
    )

    error_messages = {
        "invalid": "Enter a correct username and password. Both are case-sensitive.",
    }

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: Any = None

    @staticmethod
    def locked_message() -> str:
        minutes = settings.QAF_LOCKOUT_SECONDS // 60
        return (
            f"This account is locked for {minutes} minutes after too many failed sign-in "
            "attempts. Try again later, or ask the QA unit's system administrator to help."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if username and password:
            if login_is_locked(username=username):
                raise forms.ValidationError(self.locked_message(), code="locked")
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
                # The failure just recorded may be the one that locks the account: say so now.
                if login_is_locked(username=username):
                    raise forms.ValidationError(self.locked_message(), code="locked")
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return data


class TokenCodeForm(forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "width": "5"}
        ),
        error_messages={
            "required": "Enter the 6-digit security code",
            "min_length": "The security code must be 6 digits",
            "max_length": "The security code must be 6 digits",
        },
    )

    def clean_code(self) -> str:
        code: str = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError("The security code must be 6 digits")
        return code


class APITokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        help_text="What the token is for, for example 'Power BI refresh'",
        max_length=80,
        error_messages={"required": "Enter a name for the token"},
    )
