"""Action pages (HTML parsed): your actions, supervision agenda, getting to outstanding,
overdue summaries, plans and meetings."""

import datetime as dt

import pytest
import time_machine
from bs4 import BeautifulSoup

from qaf.accounts.models import Role
from qaf.actions.models import Action, ActionSource, ActionStatus, MeetingKind
from qaf.actions.tests.factories import ActionFactory, ActionPlanFactory, MeetingFactory
from qaf.organisation.tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def soup(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def first_column(page, caption):
    table = next(t for t in page.select("table") if t.caption.get_text(strip=True) == caption)
    return [tr.select_one("th, td").get_text(strip=True) for tr in table.select("tbody tr")]


def error_links(page):
    return [
        (a["href"], a.get_text(strip=True)) for a in page.select(".govuk-error-summary__list a")
    ]


def test_my_actions_overdue_first(council, client_for):
    me = council.users[Role.PRACTITIONER].staff
    ActionFactory(owner=me, title="Later", due_date=dt.date(2026, 4, 1))
    ActionFactory(owner=me, title="Overdue", due_date=dt.date(2026, 3, 1))
    ActionFactory(
        owner=me, title="Finished", due_date=dt.date(2026, 2, 1), status=ActionStatus.DONE
    )
    ActionFactory(title="Not mine", due_date=dt.date(2026, 2, 1))
    page = soup(client_for(Role.PRACTITIONER).get("/actions/"))
    assert page.h1.get_text(strip=True) == "Your actions"
    assert first_column(page, "Your actions") == ["Overdue", "Later", "Finished"]
    statuses = [tr.select("td")[-1].get_text(strip=True) for tr in page.select("tbody tr")]
    assert statuses == ["Open (overdue)", "Open", "Done"]


def test_action_detail_update_errors_and_scoping(council, client_for):
    action = ActionFactory(owner=council.users[Role.PRACTITIONER].staff)
    client = client_for(Role.PRACTITIONER)
    page = soup(client.post(f"/actions/{action.pk}/", {"status": "done", "evidence": ""}))
    assert error_links(page) == [
        ("#form-errors", "Enter the evidence that the action is complete.")
    ]
    response = client.post(
        f"/actions/{action.pk}/", {"status": "done", "evidence": "Visited 9 March"}
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    other = ActionFactory()
    assert client.get(f"/actions/{other.pk}/").status_code == 404
    assert client_for(Role.ELECTED_MEMBER).get("/actions/").status_code == 404


def test_supervision_agenda_lists_open_practice_actions(council, client_for):
    me = council.users[Role.PRACTITIONER].staff
    ActionFactory(
        owner=me,
        title="Record the child's wishes",
        source=ActionSource.AUDIT,
        child=council.own_child,
    )
    ActionFactory(owner=me, title="Board action", source=ActionSource.MEETING)
    ActionFactory(
        owner=me, title="Done already", source=ActionSource.AUDIT, status=ActionStatus.DONE
    )
    page = soup(client_for(Role.PRACTITIONER).get("/actions/supervision/"))
    assert page.h1.get_text(strip=True) == f"Supervision agenda for {me.full_name}"
    assert first_column(page, "Actions to discuss") == ["Record the child's wishes"]
    # their team manager can open it; a practitioner cannot open someone else's
    assert client_for(Role.TEAM_MANAGER).get(f"/actions/supervision/{me.pk}/").status_code == 200
    colleague = council.users[Role.TEAM_MANAGER].staff
    assert (
        client_for(Role.PRACTITIONER).get(f"/actions/supervision/{colleague.pk}/").status_code
        == 404
    )


def test_getting_to_outstanding_filters_and_orders(council, client_for):
    ActionFactory(title="Audit later", source=ActionSource.AUDIT, due_date=dt.date(2026, 5, 1))
    ActionFactory(title="Audit overdue", source=ActionSource.AUDIT, due_date=dt.date(2026, 3, 1))
    ActionFactory(title="Board", source=ActionSource.MEETING, due_date=dt.date(2026, 2, 1))
    client = client_for(Role.QA_OFFICER)
    page = soup(client.get("/actions/getting-to-outstanding/"))
    assert first_column(page, "Recommendations") == ["Board", "Audit overdue", "Audit later"]
    page = soup(client.get("/actions/getting-to-outstanding/?source=audit"))
    assert first_column(page, "Recommendations") == ["Audit overdue", "Audit later"]
    assert client_for(Role.PRACTITIONER).get("/actions/getting-to-outstanding/").status_code == 404


def test_overdue_summary_by_owner_team_and_source(council, client_for):
    me = council.users[Role.PRACTITIONER].staff
    ActionFactory(owner=me, team=council.home_team, due_date=dt.date(2026, 3, 1))
    ActionFactory(
        owner=me, team=council.home_team, due_date=dt.date(2026, 3, 2), source=ActionSource.MEETING
    )
    page = soup(client_for(Role.QA_OFFICER).get("/actions/overdue/"))
    assert first_column(page, "Overdue actions by owner") == [me.full_name]
    assert first_column(page, "Overdue actions by team") == [council.home_team.name]
    assert first_column(page, "Overdue actions by source") == ["Case audit", "Meeting or board"]


def test_meeting_log_numbers_and_carries_forward(council, client_for):
    qa = client_for(Role.QA_OFFICER)
    lead = StaffFactory()
    earlier = MeetingFactory(kind=MeetingKind.QA_BOARD, date=dt.date(2026, 2, 2))
    ActionFactory(
        meeting=earlier,
        item_number=2,
        item_letter="a",
        title="Carried",
        owner=lead,
        source=ActionSource.MEETING,
    )
    response = qa.post("/actions/meetings/new/", {"kind": "qa_board", "date": "9/3/2026"})
    meeting_url = response["Location"]
    page = soup(qa.post(meeting_url, {"form": "action"}))
    assert ("#id_title", "Enter what needs to be done") in error_links(page)
    for item in ("3", "3", "1"):
        qa.post(
            meeting_url,
            {
                "form": "action",
                "item_number": item,
                "title": f"Item {item}",
                "owner": lead.pk,
                "due_date": "31/3/2026",
            },
        )
    page = soup(qa.get(meeting_url))
    assert page.h1.get_text(strip=True) == "QA board"
    assert first_column(page, "Action log") == ["1a", "3a", "3b"]
    assert first_column(page, "Carried forward from earlier meetings") == ["2a"]
    assert Action.objects.filter(meeting__date=dt.date(2026, 3, 9)).count() == 3


def test_plan_page_adds_actions_and_needs_leaders(council, client_for):
    plan = ActionPlanFactory()
    qa = client_for(Role.QA_OFFICER)
    owner = council.users[Role.PRACTITIONER].staff
    page = soup(qa.post(f"/actions/plans/{plan.pk}/", {"title": "", "due_date": "32/1/2026"}))
    assert error_links(page) == [
        ("#id_title", "Enter what needs to be done"),
        ("#id_owner", "Choose who owns the action"),
        ("#id_due_date", "Enter a real date, for example 27/3/2026"),
    ]
    qa.post(
        f"/actions/plans/{plan.pk}/",
        {"title": "Audit supervision quality", "owner": owner.pk, "due_date": "30/4/2026"},
    )
    assert first_column(soup(qa.get(f"/actions/plans/{plan.pk}/")), "Actions") == [
        "Audit supervision quality"
    ]
    assert client_for(Role.PRACTITIONER).get(f"/actions/plans/{plan.pk}/").status_code == 404


def test_plan_action_closes_only_after_the_effectiveness_check(council, client_for):
    plan = ActionPlanFactory()
    action = ActionFactory(owner=council.users[Role.PRACTITIONER].staff, plan=plan)
    owner, qa = client_for(Role.PRACTITIONER), client_for(Role.QA_OFFICER)
    page = soup(owner.post(f"/actions/{action.pk}/", {"status": "done", "evidence": "Done"}))
    assert error_links(page) == [
        (
            "#form-errors",
            "This is a plan action: record an effectiveness check before it is closed.",
        )
    ]
    links = [
        a.get_text(strip=True) for a in soup(qa.get(f"/actions/{action.pk}/")).select("main a")
    ]
    assert "Record an effectiveness check" in links
    page = soup(qa.post(f"/actions/{action.pk}/effectiveness/", {"note": ""}))
    assert error_links(page) == [
        ("#id_note", "Describe how you checked the action made a difference")
    ]
    qa.post(f"/actions/{action.pk}/effectiveness/", {"note": "Re-audit found it embedded"})
    assert (
        owner.post(f"/actions/{action.pk}/", {"status": "done", "evidence": "Done"}).status_code
        == 302
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


@pytest.mark.parametrize("page_of", ["plan", "meeting"])
def test_plan_and_meeting_pages_list_only_the_actions_the_reader_may_see(
    council, client_for, page_of
):
    """Issue 17: nested actions follow their own scope on the pages as in the API."""
    plan = ActionPlanFactory()
    earlier = MeetingFactory(kind=MeetingKind.QA_BOARD, date=dt.date(2026, 2, 2))
    meeting = MeetingFactory(kind=MeetingKind.QA_BOARD, date=dt.date(2026, 3, 2))
    for n, (title, team, owner) in enumerate(
        [
            ("Home team action", council.home_team, council.users[Role.PRACTITIONER].staff),
            ("Far team action", council.other_area_team, StaffFactory()),
        ],
        start=1,
    ):
        if page_of == "plan":
            ActionFactory(title=title, team=team, owner=owner, plan=plan)
        else:
            ActionFactory(title=title, team=team, owner=owner, meeting=meeting, item_number=n)
            ActionFactory(
                title=f"Carried: {title}", team=team, owner=owner, meeting=earlier, item_number=n
            )
    url = f"/actions/plans/{plan.pk}/" if page_of == "plan" else f"/actions/meetings/{meeting.pk}/"
    captions = ["Actions"] if page_of == "plan" else ["Action log"]
    column = 0 if page_of == "plan" else 1

    def titles(role, caption):
        page = soup(client_for(role).get(url))
        table = next(t for t in page.select("table") if t.caption.get_text(strip=True) == caption)
        return [tr.select("th, td")[column].get_text(strip=True) for tr in table.select("tbody tr")]

    for caption in captions:
        assert titles(Role.TEAM_MANAGER, caption) == ["Home team action"]
        assert titles(Role.QA_OFFICER, caption) == ["Home team action", "Far team action"]
    if page_of == "meeting":
        caption = "Carried forward from earlier meetings"
        assert titles(Role.TEAM_MANAGER, caption) == ["Carried: Home team action"]
        assert titles(Role.QA_OFFICER, caption) == [
            "Carried: Home team action",
            "Carried: Far team action",
        ]
