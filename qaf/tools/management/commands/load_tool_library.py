"""Load the shipped tool library: every definition in qaf/tools/library not yet in the database,
published. Running it again changes nothing."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from qaf.tools.definition import DefinitionInvalid
from qaf.tools.services import tool_library_load


class Command(BaseCommand):
    help = "Create, published, every shipped audit tool version the database does not hold yet."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            created = tool_library_load(by=None)
        except DefinitionInvalid as e:
            raise CommandError(
                "A shipped tool file is invalid; nothing was loaded:\n"
                + "\n".join(str(p) for p in e.problems)
            ) from None
        for version in created:
            self.stdout.write(f"Published {version}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(created)} tool version{'s' if len(created) != 1 else ''} loaded"
            )
        )
