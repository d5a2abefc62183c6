"""The one source of "now" and "today", so tests control time (time-machine)."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today's date in the council's time zone (Europe/London)."""
    return timezone.localdate(timezone.now())
