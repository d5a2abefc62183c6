"""Feedback test helpers: requests, open links and submissions through the services."""

from __future__ import annotations

from typing import Any

from qaf.feedback import services
from qaf.feedback.forms import new_submission_key
from qaf.feedback.models import Audience, FeedbackRequest, OpenLink

CHILD_7_11_ANSWERS = {
    "c7_comfortable": 4,
    "c7_asked": "yes",
    "c7_listened": "a_bit",
    "c7_changed": "not_yet",
    "feel_safe": "yes",
    "c7_overall": 5,
}

PARENT_ANSWERS = {
    "pc_when": "review",
    "pc_understood": 4,
    "pc_involved": 3,
    "pc_respect": 5,
    "pc_difference": 4,
    "pc_family_network": "yes",
}


def open_link(
    by: Any, *, audience: str = Audience.CHILD_7_11, title: str = "Riverside hub"
) -> tuple[OpenLink, str]:
    made = services.open_link_create(by=by, title=title, audience=audience)
    return made.link, made.link.token


def request_for(by: Any, **kwargs: Any) -> tuple[FeedbackRequest, str]:
    made = services.feedback_request_create(by=by, **kwargs)
    return made.request, made.token


def post_data(answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(v) for k, v in answers.items()}
    data.setdefault("consent_to_quote", "yes")
    data["submission_key"] = extra.pop("submission_key", new_submission_key())
    data.update(extra)
    return data
