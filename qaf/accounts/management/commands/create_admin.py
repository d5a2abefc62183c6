"""Create the first QA-unit administrator. QAF ships no default accounts outside demo mode."""

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qaf.accounts.models import User
from qaf.accounts.services import user_create_admin
from qaf.common.errors import DomainError

PASSWORD_ENV = "QAF_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create the first QA-unit administrator (role qa_officer, staff, superuser). "
        f"The password comes from the {PASSWORD_ENV} environment variable or a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", help="The administrator's username")
        parser.add_argument("--email", help="The administrator's work e-mail address")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt: fail if the username or password is missing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interactive = options["interactive"]
        username = (options.get("username") or "").strip()
        email = (options.get("email") or "").strip()
        if not username:
            if not interactive:
                raise CommandError("Give --username (or run without --no-input to be asked)")
            username = input("Username: ").strip()
        if not username:
            raise CommandError("Enter a username")
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(f"An account with the username '{username}' already exists")
        if options.get("email") is None and interactive:
            email = input("Work e-mail address: ").strip()

        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            if not interactive:
                raise CommandError(f"Set {PASSWORD_ENV} (or run without --no-input to be asked)")
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                raise CommandError("The two passwords are different")

        try:
            user = user_create_admin(username=username, email=email, password=password)
        except ValidationError as exc:
            raise CommandError("Password refused: " + " ".join(exc.messages)) from exc
        except DomainError as exc:
            raise CommandError(str(exc)) from exc

        self.stdout.write(
            self.style.SUCCESS(f"Created the QA-unit administrator '{user.username}'.")
        )
        self.stdout.write(
            "At first sign-in they must enrol an authenticator app (TOTP) on their work phone: "
            "QAF shows a QR code, and nothing else can be used until a code is verified."
        )
