from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from .services import login_is_locked


class SignInForm(forms.Form):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"})
    )
    password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid": "Enter a correct username and password. Both are case-sensitive.",
        "locked": (
            "This account is locked for 15 minutes after too many failed sign-in attempts. "
            "Try again later, or ask the QA unit's system administrator to help."
        ),
    }

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: Any = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username, password = data.get("username"), data.get("password")
        if username and password:
            if login_is_locked(username=username):
                raise forms.ValidationError(self.error_messages["locked"], code="locked")
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
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
