"""The demo council's audit cycles: every state, the demo accounts' work, real histories."""

from collections import Counter

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from conftest import sign_in
from qaf.accounts.models import User
from qaf.audits.models import Audit, AuditStatus, AuditTransition, Cycle, CycleStatus, Moderation
from qaf.audits.selectors import moderation_agreement_overall
from qaf.demo.services import demo_council_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_council():
    """The small demo council (its audit cycles included). How long the audit demo takes is
    measured in benchmarks/, not asserted here."""
    demo_council_generate(scale="small", seed=2026, password="x")


def _user(username):
    return User.objects.select_related("staff").get(username=username)


def test_cycles_in_every_state_built_through_the_services(demo_council):
    earlier, current = Cycle.objects.order_by("start_date")
    assert earlier.status == CycleStatus.CLOSED
    assert set(Audit.objects.filter(cycle=earlier).values_list("status", flat=True)) == {
        AuditStatus.FINALISED
    }
    assert current.status == CycleStatus.COMMITTED
    assert set(Audit.objects.filter(cycle=current).values_list("status", flat=True)) == set(
        AuditStatus.values
    )
    # Every audit's history starts at allocation and ends at its status.
    for audit in Audit.objects.all():
        history = list(AuditTransition.objects.filter(audit=audit).order_by("at", "pk"))
        assert history[0].from_status == "" and history[0].to_status == AuditStatus.ALLOCATED
        assert history[-1].to_status == audit.status
    finalised = Moderation.objects.filter(audit__status=AuditStatus.FINALISED)
    assert set(finalised.values_list("outcome", flat=True)) >= {"agreed", "downgraded"}
    overall = moderation_agreement_overall(cycle=earlier)
    assert overall.kappa is not None and 0 < overall.kappa < 1


def test_demo_accounts_have_their_work(demo_council):
    current = Cycle.objects.get(status=CycleStatus.COMMITTED)
    team_manager = _user("demo-team-manager")
    service_manager = _user("demo-service-manager")
    practitioner = _user("demo-practitioner")
    as_auditor = Counter(
        Audit.objects.filter(cycle=current, auditor=team_manager.staff).values_list(
            "status", flat=True
        )
    )
    assert as_auditor[AuditStatus.ALLOCATED] >= 2
    as_moderator = Counter(
        Audit.objects.filter(cycle=current, moderator=service_manager.staff).values_list(
            "status", flat=True
        )
    )
    assert as_moderator[AuditStatus.SUBMITTED] >= 2
    own = Audit.objects.filter(practitioner=practitioner.staff, status=AuditStatus.FINALISED)
    assert own.filter(cycle=current).exists()


def _signed_in(user):
    return sign_in(Client(), user)


def test_demo_pages_show_the_work(demo_council):
    team_manager = _user("demo-team-manager")
    page = _signed_in(team_manager).get("/audits/yours/")
    assert page.status_code == 200
    soup = BeautifulSoup(page.content, "html.parser")
    assert "Allocated" in soup.get_text()
    practitioner = _user("demo-practitioner")
    audit = Audit.objects.filter(
        practitioner=practitioner.staff, status=AuditStatus.FINALISED
    ).first()
    page = _signed_in(practitioner).get(f"/audits/{audit.pk}/")
    assert page.status_code == 200
    qa = _signed_in(_user("demo-qa-officer")).get("/audits/agreement/")
    text = BeautifulSoup(qa.content, "html.parser").get_text()
    assert "kappa" in text.lower()
