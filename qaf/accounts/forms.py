from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.http import HttpRequest

from .services import client_address, login_is_locked


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
            # The backend counts the attempt and refuses it while locked, in one transaction.
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
                # Locked before, or locked by the failure just counted: say so.
                if login_is_locked(username=username, address=client_address(self.request)):
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


class PasswordChangeForm(forms.Form):
    """Change your own password: the current one first (re-authentication, counted by the
    lockout like any sign-in), then the new one twice, checked against every password rule."""

    current_password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Enter your current password"},
    )
    new_password = forms.CharField(
        label="New password",
        help_text=(
            "At least 12 characters. Not a common password, not repeated or sequential "
            "characters, and not like your username. A few unrelated words work well."
        ),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter a new password"},
    )
    new_password_again = forms.CharField(
        label="Confirm new password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the new password again"},
    )

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.user: Any = request.user

    def clean_current_password(self) -> str:
        password: str = self.cleaned_data["current_password"]
        confirmed = authenticate(self.request, username=self.user.username, password=password)
        if confirmed is None or confirmed.pk != self.user.pk:
            if login_is_locked(username=self.user.username, address=client_address(self.request)):
                raise forms.ValidationError(SignInForm.locked_message(), code="locked")
            raise forms.ValidationError("Your current password is wrong", code="invalid")
        return password

    def clean_new_password(self) -> str:
        password: str = self.cleaned_data["new_password"]
        try:
            validate_password(password, user=self.user)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages[0], code="weak") from error
        return password

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_again")
        if new and again and new != again:
            self.add_error("new_password_again", "The two new passwords are different")
        current = data.get("current_password")
        if new and current and new == current:
            self.add_error(
                "new_password", "Your new password must be different from your current one"
            )
        return data
