import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from qaf.common.errors import DomainError
from qaf.demo.services import SCALES, demo_council_exists, demo_council_generate


class Command(BaseCommand):
    help = "Generate the fictional demo council (demo mode only). Does nothing if it exists."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        if not settings.QAF_DEMO_MODE:
            raise CommandError(
                "seed_demo runs only in demo mode (QAF_DEMO_MODE=1): it creates accounts with a shared password"
            )
        if demo_council_exists():
            self.stdout.write("The demo council is already loaded; nothing to do.")
            return
        try:
            counts = demo_council_generate(
                scale=scale, seed=seed, password=os.environ.get("QAF_DEMO_PASSWORD", "")
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        summary = ", ".join(f"{n} {what}" for what, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Demo council loaded ({scale}, seed {seed}): {summary}")
        )
