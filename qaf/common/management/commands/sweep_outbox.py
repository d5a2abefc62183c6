"""`qaf sweep_outbox`: the email outbox's housekeeping (cron, every 5 minutes)."""

from typing import Any

from django.core.management.base import BaseCommand

from qaf.common.notifications import outbox_sweep


class Command(BaseCommand):
    help = (
        "Send again the emails that failed or that a stopped worker left behind, mark failed "
        "(and wipe) those older than QAF_EMAIL_MAX_AGE_SECONDS, and delete the task queue's "
        "rows for jobs that succeeded over an hour ago."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = outbox_sweep()
        self.stdout.write(
            f"Sent again: {counts['resent']}. Expired: {counts['expired']}. "
            f"Finished task rows pruned: {counts['task_results_pruned']}."
        )
