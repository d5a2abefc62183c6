"""Daily (from cron): remind about overdue escalations. Safe to run as often as you like."""

from typing import Any

from django.core.management.base import BaseCommand

from qaf.escalations.services import escalation_sweep


class Command(BaseCommand):
    help = (
        "Remind the service manager of each overdue escalation, then notify the assistant "
        "director after a further working day. Each reminder is sent once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = escalation_sweep()
        self.stdout.write(
            f"{counts['service_manager_reminders']} service manager reminder(s), "
            f"{counts['assistant_director_notices']} assistant director notice(s) sent."
        )
