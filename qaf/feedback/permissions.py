"""Who may do what with feedback: named permissions (qaf.common.permissions).

Which requests, responses and open links a person sees is the scoped selectors' business
(feedback.selectors); these say whether a page or step exists for the person at all.
"""

import rules

from qaf.accounts.permissions import (
    is_practitioner,
    is_qa_unit,
    is_service_manager,
    is_team_manager,
    is_whole_council,
    sees_children,
)

# Practitioners ask about children in their own caseload; the QA unit about anyone.
makes_requests = is_practitioner | is_qa_unit
# Open links are published on posters and leaflets by the QA unit and managers.
publishes_links = is_qa_unit | is_team_manager | is_service_manager


@rules.predicate
def published_it(user: object, link: object) -> bool:
    return link is not None and getattr(link, "created_by_id", None) == getattr(user, "pk", None)


# Feedback pages: everyone who sees children (not partner auditors or elected members).
rules.add_perm("feedback.view_feedback", sees_children)
# Every request and response, not only one's own or one's children's.
rules.add_perm("feedback.view_all_feedback", is_whole_council)
rules.add_perm("feedback.request_feedback", makes_requests)
rules.add_perm("feedback.send_staff_survey", is_qa_unit)
# Telephone surveys and transcribed paper forms, entered on the person's behalf.
rules.add_perm("feedback.enter_feedback", sees_children)
rules.add_perm("feedback.publish_open_links", publishes_links)
# The QA unit sees every open link; a manager the ones they published.
rules.add_perm("feedback.view_all_open_links", is_qa_unit)
rules.add_perm("feedback.close_open_link", is_qa_unit | (publishes_links & published_it))
# The QA unit's analysis and exports, duty inbox, and complaints and compliments log.
rules.add_perm("feedback.analyse_feedback", is_qa_unit)
rules.add_perm("feedback.handle_safety_alerts", is_qa_unit)
rules.add_perm("feedback.keep_complaints_log", is_qa_unit)
