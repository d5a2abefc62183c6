"""/api/v1/audits/: the same scoping as the pages for every role, and the workflow step with
its version (stale: 409 and nothing changes; the same request twice: one step)."""

import pytest

from qaf.accounts.models import Role
from qaf.audits import services
from qaf.audits.models import Audit, AuditStatus, AuditTransition
from qaf.audits.tests.factories import committed_cycle, fill_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle_with_states(council):
    """A committed cycle: one audit submitted, one returned, the rest allocated."""
    setup = committed_cycle(council, quota=2)
    mine = list(Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff))
    assert len(mine) >= 2
    submitted = fill_form(mine[0], setup.auditor)
    services.audit_transition(audit=submitted, action="submit", by=setup.auditor)
    returned = fill_form(mine[1], setup.auditor)
    returned = services.audit_transition(audit=returned, action="submit", by=setup.auditor)
    services.audit_transition(
        audit=returned, action="return", by=setup.moderator, reason="The chronology is missing."
    )
    return setup


@pytest.mark.parametrize("role", list(Role.values))
def test_api_sees_exactly_what_the_pages_show(role, cycle_with_states, client_for):
    client = client_for(role)
    setup = cycle_with_states
    page_visible = set()
    for audit in Audit.objects.all():
        page = client.get(f"/audits/{audit.pk}/")
        api = client.get(f"/api/v1/audits/{audit.pk}")
        assert page.status_code in (200, 404)
        assert api.status_code == page.status_code, (role, audit.status)
        if page.status_code == 200:
            page_visible.add(audit.pk)
            assert api.json()["status"] == audit.status
    listed = client.get("/api/v1/audits/?limit=500").json()
    assert {a["id"] for a in listed["items"]} == page_visible
    assert listed["count"] == len(page_visible)
    # Cycles: the QA unit's, on the pages and through the API alike.
    cycle_page = client.get(f"/audits/cycles/{setup.cycle.pk}/").status_code
    for path in ("", "/sample", "/allocations", "/progress", "/triads"):
        assert client.get(f"/api/v1/audits/cycles/{setup.cycle.pk}{path}").status_code == (
            cycle_page
        ), path
    assert cycle_page == (200 if role == Role.QA_OFFICER else 404)


def test_qa_reads_progress_and_load(cycle_with_states, client_for):
    setup = cycle_with_states
    client = client_for(Role.QA_OFFICER)
    rows = client.get(f"/api/v1/audits/cycles/{setup.cycle.pk}/progress?by=district").json()
    total = Audit.objects.filter(cycle=setup.cycle).count()
    assert sum(r["total"] for r in rows) == total
    assert sum(r["counts"]["submitted"] for r in rows) == 1
    assert sum(r["counts"]["returned"] for r in rows) == 1
    bad = client.get(f"/api/v1/audits/cycles/{setup.cycle.pk}/progress?by=planet")
    assert bad.status_code == 422
    load = client.get(f"/api/v1/audits/cycles/{setup.cycle.pk}/allocations").json()
    auditor = next(r for r in load["auditors"] if r["staff_id"] == setup.auditor.staff_id)
    assert auditor["load"] == Audit.objects.filter(auditor=setup.auditor.staff).count()
    sample = client.get(f"/api/v1/audits/cycles/{setup.cycle.pk}/sample").json()
    assert sample["count"] == total and all(c["reason"] for c in sample["items"])


def test_step_with_version_conflict_and_repeat(cycle_with_states, client_for):
    setup = cycle_with_states
    audit = (
        Audit.objects.filter(cycle=setup.cycle, auditor=setup.auditor.staff)
        .filter(status=AuditStatus.ALLOCATED)
        .first()
    )
    audit = fill_form(audit, setup.auditor)
    client = client_for(Role.TEAM_MANAGER)  # the setup's auditor
    url = f"/api/v1/audits/{audit.pk}/steps"
    # Each account is told the steps it may take now (in progress: the auditor submits, the
    # QA unit may cancel; nobody else has a step).
    assert client.get(f"/api/v1/audits/{audit.pk}").json()["steps"] == ["submit"]
    assert client_for(Role.QA_OFFICER).get(f"/api/v1/audits/{audit.pk}").json()["steps"] == [
        "cancel"
    ]
    assert client_for(Role.DIRECTOR).get(f"/api/v1/audits/{audit.pk}").json()["steps"] == []
    stale = client.post(
        url, {"action": "submit", "row_version": audit.row_version - 1}, "application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("This was changed by someone else")
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS
    body = {"action": "submit", "row_version": audit.row_version}
    first = client.post(url, body, "application/json")
    again = client.post(url, body, "application/json")
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == "submitted" == again.json()["status"]
    assert AuditTransition.objects.filter(audit=audit, to_status="submitted").count() == 1
    # A return needs a reason; only the moderator may return (403 for the auditor, who may read
    # the audit: not their step); finalising is not a bare step (409).
    moderator = client_for(Role.SERVICE_MANAGER)
    version = Audit.objects.get(pk=audit.pk).row_version
    # Submitted: the moderator may return it (starting moderation is the moderation page's).
    assert moderator.get(f"/api/v1/audits/{audit.pk}").json()["steps"] == ["return"]
    no_reason = moderator.post(
        url, {"action": "return", "row_version": version}, "application/json"
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    not_theirs = client.post(
        url, {"action": "return", "row_version": version, "reason": "x"}, "application/json"
    )
    assert not_theirs.status_code == 403
    assert not_theirs.json()["detail"] == "You cannot “return to the auditor” on this audit."
    finalise = moderator.post(
        url, {"action": "finalise", "row_version": version}, "application/json"
    )
    assert finalise.status_code == 409
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.SUBMITTED
