"""Daily (from cron): remind owners of overdue actions. Safe to run as often as you like."""

from typing import Any

from django.core.management.base import BaseCommand

from qaf.actions.services import action_sweep


class Command(BaseCommand):
    help = "Remind owners (copying their line manager) of overdue actions, once per due date."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{action_sweep()} overdue action reminder(s) sent.")
