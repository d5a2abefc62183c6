"""Daily: audit reminders before the due date and overdue notices. Safe to run twice."""

from django.core.management.base import BaseCommand

from qaf.audits.services import audit_sweep


class Command(BaseCommand):
    help = "Send audit and moderation reminders and overdue notices (each is sent once)."

    def handle(self, *args, **options):
        sent = audit_sweep()
        self.stdout.write(", ".join(f"{kind}: {n}" for kind, n in sent.items()))
