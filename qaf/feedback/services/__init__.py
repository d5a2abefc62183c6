"""Writes for feedback, one module per part: tokens, links (requests and open links), surveys
and responses, staff entry, the safety trigger, complaints and compliments. Pages, the API and
other apps use these names from here."""

from .checks import SubmissionInvalid, text_check, text_problem
from .complaints import complaint_create, complaint_due_on, complaint_update
from .entry import feedback_response_enter
from .links import (
    CLIENT_LIMIT,
    LINK_LIMIT,
    OpenLinkMade,
    RequestMade,
    client_key,
    feedback_request_create,
    open_link_admit,
    open_link_close,
    open_link_create,
)
from .safety_alerts import safety_alert_acknowledge, safety_check, safety_reasons
from .surveys import (
    Submitted,
    answers_clean,
    audience_for_child,
    feedback_response_submit,
    response_for_retry,
    survey_version_for,
)
from .tokens import link_find, public_url, token_hash, token_new

__all__ = [
    "CLIENT_LIMIT",
    "LINK_LIMIT",
    "OpenLinkMade",
    "RequestMade",
    "SubmissionInvalid",
    "Submitted",
    "answers_clean",
    "audience_for_child",
    "client_key",
    "complaint_create",
    "complaint_due_on",
    "complaint_update",
    "feedback_request_create",
    "feedback_response_enter",
    "feedback_response_submit",
    "link_find",
    "open_link_admit",
    "open_link_close",
    "open_link_create",
    "public_url",
    "response_for_retry",
    "safety_alert_acknowledge",
    "safety_check",
    "safety_reasons",
    "survey_version_for",
    "text_check",
    "text_problem",
    "token_hash",
    "token_new",
]
