"""An Inadequate grade proposes a concern: the auditor raises it or says why not."""

import pytest
from bs4 import BeautifulSoup

from qaf.accounts.models import Role
from qaf.audits import selectors, services
from qaf.audits.models import Audit, ConcernDecision
from qaf.audits.tests.factories import auditable, committed_cycle, fill_form
from qaf.common.errors import Conflict, Invalid, NotAllowed
from qaf.escalations.models import Escalation, EscalationKind, EscalationSource

pytestmark = pytest.mark.django_db


def _submitted(council, grade):
    setup = committed_cycle(council)
    audit = fill_form(auditable(setup), setup.auditor, grade=grade)
    audit = services.audit_transition(
        audit=audit, action="submit", by=setup.auditor, expected_version=audit.row_version
    )
    return setup, audit


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


# Services


def test_an_inadequate_grade_proposes_a_concern_and_saves_nothing(council):
    setup, audit = _submitted(council, "inadequate")
    reason = services.audit_concern_reason(audit=audit, section_titles={})
    assert audit.reference in reason and "the overall grade" in reason
    proposal = services.audit_concern_propose(audit=audit, by=setup.auditor, reason=reason)
    assert proposal is not None
    assert proposal.child == audit.child and proposal.source == EscalationSource.AUDIT
    assert proposal.kind == EscalationKind.PRACTICE and proposal.reference == audit
    assert Escalation.objects.count() == 0


def test_no_inadequate_grade_proposes_nothing_and_cannot_be_declined(council):
    setup, audit = _submitted(council, "requires_improvement")
    assert services.audit_concern_propose(audit=audit, by=setup.auditor, reason="x") is None
    with pytest.raises(Conflict, match="no concern to decline"):
        services.audit_concern_decline(audit=audit, by=setup.auditor, reason="Fine")
    with pytest.raises(Conflict, match="no concern to raise"):
        services.audit_concern_raise(audit=audit, by=setup.auditor, kind="practice", reason="x")
    audit.refresh_from_db()
    assert audit.concern_decision == "" and Escalation.objects.count() == 0


def test_raising_confirms_the_proposal_once(council):
    setup, audit = _submitted(council, "inadequate")
    first = services.audit_concern_raise(
        audit=audit, by=setup.auditor, kind="safeguarding", reason="  Drift in planning  "
    )
    again = services.audit_concern_raise(
        audit=audit, by=setup.auditor, kind="safeguarding", reason="Drift in planning"
    )
    assert again.pk == first.pk and Escalation.objects.count() == 1
    assert first.kind == EscalationKind.SAFEGUARDING and first.reason == "Drift in planning"
    assert first.reference_id == str(audit.pk) and first.source == EscalationSource.AUDIT
    assert selectors.audit_concern_escalation(audit=audit) == first
    audit.refresh_from_db()
    assert audit.concern_decision == ConcernDecision.RAISED and audit.concern_decided_at
    with pytest.raises(Conflict, match="already been raised"):
        services.audit_concern_decline(audit=audit, by=setup.auditor, reason="No")


def test_declining_needs_a_reason_and_is_recorded(council):
    setup, audit = _submitted(council, "inadequate")
    with pytest.raises(Invalid, match="Enter why"):
        services.audit_concern_decline(audit=audit, by=setup.auditor, reason="   ")
    with pytest.raises(Invalid, match="5000 characters"):
        services.audit_concern_decline(audit=audit, by=setup.auditor, reason="x" * 5001)
    audit.refresh_from_db()
    assert audit.concern_decision == ""
    services.audit_concern_decline(
        audit=audit, by=setup.auditor, reason="Already escalated by the IRO last week"
    )
    audit.refresh_from_db()
    assert audit.concern_decision == ConcernDecision.DECLINED
    assert audit.concern_decline_reason == "Already escalated by the IRO last week"
    with pytest.raises(Conflict, match="already decided"):
        services.audit_concern_raise(audit=audit, by=setup.auditor, kind="practice", reason="x")
    assert Escalation.objects.count() == 0


def test_only_the_auditor_decides(council):
    setup, audit = _submitted(council, "inadequate")
    for user in (setup.moderator, setup.qa):
        with pytest.raises(NotAllowed, match="Only the audit's auditor can decide"):
            services.audit_concern_raise(audit=audit, by=user, kind="practice", reason="x")
        with pytest.raises(NotAllowed, match="Only the audit's auditor can decide"):
            services.audit_concern_decline(audit=audit, by=user, reason="x")
    assert Escalation.objects.count() == 0
    assert Audit.objects.get(pk=audit.pk).concern_decision == ""


# Pages


def test_submitting_an_inadequate_audit_asks_and_raising_links_the_concern(council, client_for):
    setup = committed_cycle(council)
    audit = fill_form(auditable(setup), setup.auditor, grade="inadequate")
    client = client_for(Role.TEAM_MANAGER)
    response = client.post(
        f"/audits/{audit.pk}/submit/", {"row_version": audit.row_version}, follow=True
    )
    page = soup(response)
    assert page.h1.get_text(strip=True) == "An Inadequate grade: raise a concern?"
    assert "Overall grade" in [li.get_text(strip=True) for li in page.select("main li")]
    reason = page.find("textarea", attrs={"name": "reason"})
    assert reason is not None and audit.reference in reason.get_text()
    labels = [label.get_text(strip=True) for label in page.select("label")]
    assert "Raise a safeguarding concern" in labels and "Do not raise a concern" in labels

    response = client.post(
        f"/audits/{audit.pk}/concern/",
        {"decision": "safeguarding", "reason": "Risk not reassessed after the incident"},
        follow=True,
    )
    escalation = Escalation.objects.get()
    assert escalation.kind == EscalationKind.SAFEGUARDING
    assert escalation.reason == "Risk not reassessed after the incident"
    link = soup(response).find("a", href=f"/escalations/{escalation.pk}/")
    assert link is not None and escalation.reference_code in link.get_text()
    assert soup(response).find("textarea", attrs={"name": "reason"}) is None  # decided


def test_declining_on_the_page_needs_a_reason(council, client_for):
    _setup, audit = _submitted(council, "inadequate")
    client = client_for(Role.TEAM_MANAGER)
    url = f"/audits/{audit.pk}/concern/"
    response = client.post(url, {"decision": "decline", "decline_reason": ""})
    assert response.status_code == 200
    errors = [
        (a["href"], a.get_text(strip=True))
        for a in soup(response).select(".govuk-error-summary__list a")
    ]
    assert errors == [("#id_decline_reason", "Enter why you are not raising a concern")]
    response = client.post(url, {})
    assert [
        a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary__list a")
    ] == ["Choose whether to raise a concern"]
    response = client.post(
        url, {"decision": "decline", "decline_reason": "The family moved away"}, follow=True
    )
    page = soup(response)
    assert "No concern raised" in [h.get_text(strip=True) for h in page.select("h2")]
    assert "The family moved away" in page.get_text()
    assert Escalation.objects.count() == 0


def test_only_the_auditor_sees_the_page(council, client_for):
    _setup, audit = _submitted(council, "inadequate")
    url = f"/audits/{audit.pk}/concern/"
    assert client_for(Role.TEAM_MANAGER).get(url).status_code == 200
    for role in (Role.SERVICE_MANAGER, Role.QA_OFFICER, Role.PRACTITIONER):
        assert client_for(role).get(url).status_code == 404, role
        assert (
            client_for(role).post(url, {"decision": "decline", "decline_reason": "x"}).status_code
            == 404
        )
    assert Audit.objects.get(pk=audit.pk).concern_decision == ""
    # The auditor finds the page again from the audit; the moderator sees no link to it.
    detail = soup(client_for(Role.TEAM_MANAGER).get(f"/audits/{audit.pk}/"))
    assert detail.find("a", href=url).get_text(strip=True) == (
        "An Inadequate grade: raise a concern?"
    )
    assert (
        soup(client_for(Role.SERVICE_MANAGER).get(f"/audits/{audit.pk}/")).find("a", href=url)
        is None
    )


def test_no_page_without_an_inadequate_grade(council, client_for):
    _setup, audit = _submitted(council, "good")
    assert client_for(Role.TEAM_MANAGER).get(f"/audits/{audit.pk}/concern/").status_code == 404
