"""Absolute links for emails: built on QAF_SITE_URL, the address people use to reach QAF."""

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(url_name: str, *args: Any) -> str:
    return settings.QAF_SITE_URL.rstrip("/") + reverse(url_name, args=args)
