import io

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from conftest import sign_in
from qaf.accounts.models import Role
from qaf.audits.models import Audit, AuditStatus, Cycle, CycleTool, Moderation
from qaf.audits.tests.factories import SECTIONS, auditable, committed_cycle, fill_form
from qaf.common import clock
from qaf.organisation.models import Service
from qaf.tools.tests.factories import library_version

pytestmark = pytest.mark.django_db


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def h1(response):
    return soup(response).h1.get_text(strip=True)


def error_links(response):
    return [a.get_text(strip=True) for a in soup(response).select(".govuk-error-summary a")]


def test_qa_plans_draws_and_commits_a_cycle(council, client_for):
    client = client_for(Role.QA_OFFICER)
    assert h1(client.get("/audits/cycles/")) == "Audit cycles"
    response = client.post(
        "/audits/cycles/new/", {"name": "", "template": "", "strata": ["team"], "seed": "1"}
    )
    assert response.status_code == 200
    assert "Enter a name for the cycle" in error_links(response)
    assert not Cycle.objects.exists()
    response = client.post(
        "/audits/cycles/new/",
        {
            "name": "Spring",
            "template": "dip_sample",
            "start_date": "5/1/2026",
            "per_stratum_quota": "1",
            "strata": ["team"],
            "seed": "11",
        },
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and response.url == f"/audits/cycles/{cycle.pk}/"
    version = library_version()
    client.post(
        f"/audits/cycles/{cycle.pk}/tools/",
        {f"service_{s.pk}": str(version.pk) for s in Service.objects.all()},
    )
    assert CycleTool.objects.filter(cycle=cycle).count() == Service.objects.count()
    client.post(f"/audits/cycles/{cycle.pk}/draw/")
    page = client.get(f"/audits/cycles/{cycle.pk}/")
    caption = soup(page).find("caption").get_text(strip=True)
    assert caption == "Sample, by team"
    assert len(soup(page).select("tbody tr")) == 3
    assert "Random draw" in soup(page).select("tbody tr")[0].get_text()
    cycle.refresh_from_db()
    response = client.post(f"/audits/cycles/{cycle.pk}/commit/", {"row_version": cycle.row_version})
    assert response.status_code == 302
    assert Audit.objects.filter(cycle=cycle).count() == 3
    progress = client.get(f"/audits/cycles/{cycle.pk}/progress/?by=district")
    captions = [c.get_text(strip=True) for c in soup(progress).find_all("caption")]
    assert "Audits by status" in captions and "Auditors: load against capacity" in captions


def test_cycle_pages_are_404_outside_the_qa_unit(council, client_for):
    setup = committed_cycle(council)
    for role in (Role.TEAM_MANAGER, Role.PRACTITIONER, Role.ELECTED_MEMBER):
        assert client_for(role).get(f"/audits/cycles/{setup.cycle.pk}/").status_code == 404
        assert client_for(role).get("/audits/cycles/").status_code == 404


def test_auditor_moderator_journey_with_pdf(
    council, client_for, django_capture_on_commit_callbacks
):
    setup = committed_cycle(council)
    audit = auditable(setup)
    auditor = sign_in(Client(), setup.auditor)
    mine = auditor.get("/audits/yours/")
    assert h1(mine) == "Your audits"
    assert audit.reference in mine.content.decode()
    nav = [a.get_text(strip=True) for a in soup(mine).select("nav a")]
    assert "Your audits" in nav
    # The practitioner cannot see an audit before it is submitted.
    assert client_for(Role.PRACTITIONER).get(f"/audits/{audit.pk}/").status_code == 404
    response = auditor.post(f"/audits/{audit.pk}/open/")
    audit.refresh_from_db()
    assert response.status_code == 302 and response.url == f"/forms/{audit.form_id}/"
    audit = fill_form(audit, setup.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor.post(f"/audits/{audit.pk}/submit/", {"row_version": audit.row_version})
        again = auditor.post(f"/audits/{audit.pk}/submit/", {"row_version": audit.row_version})
    assert response.status_code == again.status_code == 302
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert audit.transitions.filter(to_status="submitted").count() == 1

    moderator = sign_in(Client(), setup.moderator)
    moderator.post(f"/audits/{audit.pk}/moderate/")
    moderation = Moderation.objects.get(audit=audit)
    data = {
        "row_version": moderation.row_version,
        "meeting_date": clock.today().strftime("%d/%m/%Y"),
        "attendees": "Auditor, practitioner",
        "overall_grade": "good",
    }
    for key in SECTIONS:
        data[f"grade_{key}"] = "good"
    data["grade_assessment"] = "requires_improvement"
    response = moderator.post(f"/audits/{audit.pk}/moderate/", data)
    assert response.status_code == 200
    assert any("reason for changing the grade" in e for e in error_links(response))
    data["reason_assessment"] = "No chronology on file"
    response = moderator.post(f"/audits/{audit.pk}/moderate/", data)
    assert response.status_code == 302
    moderation.refresh_from_db()
    assert moderation.outcome == "agreed"  # overall grade unchanged
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(
            f"/audits/{audit.pk}/finalise/",
            {"row_version": moderation.row_version, "confirmed_outcome": "agreed"},
        )
    assert response.status_code == 302
    audit.refresh_from_db()
    assert audit.status == AuditStatus.FINALISED
    sm = council.users[Role.SERVICE_MANAGER].staff.email
    assert any(sm in m.to for m in mail.outbox)
    pdf = client_for(Role.QA_OFFICER).get(f"/audits/{audit.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages
    )
    assert "Requires improvement" in text and "No chronology on file" in text


def test_stale_moderation_save_shows_a_conflict_and_keeps_both(council, client_for):
    setup = committed_cycle(council)
    audit = fill_form(auditable(setup), setup.auditor)
    from qaf.audits import services

    audit = services.audit_transition(audit=audit, action="submit", by=setup.auditor)
    moderation = services.moderation_start(audit=audit, by=setup.moderator)
    stale = moderation.row_version
    services.moderation_save(
        moderation=moderation,
        by=setup.moderator,
        expected_version=stale,
        meeting_date=None,
        attendees="Saved elsewhere",
        section_grades={},
        overall_grade="",
        overall_reason="",
        action_checks={},
    )
    moderator = sign_in(Client(), setup.moderator)
    response = moderator.post(
        f"/audits/{audit.pk}/moderate/", {"row_version": stale, "attendees": "My attendees"}
    )
    assert response.status_code == 200
    page = soup(response)
    assert "changed by someone else" in page.select_one(".govuk-error-summary").get_text()
    assert page.find("textarea", {"name": "attendees"}).get_text(strip=True) == "Saved elsewhere"
    assert "My attendees" in page.get_text()
    moderation.refresh_from_db()
    assert moderation.attendees == "Saved elsewhere"
