"""The Organisation page: QA unit only; upload, dry run, refusal with the error report."""

import csv
import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.uploadedfile import SimpleUploadedFile

from qaf.accounts.models import Role
from qaf.organisation.models import ImportOutcome, ImportRun, Staff, TeamMembership
from qaf.organisation.tests.importing import csv_bytes, row

pytestmark = pytest.mark.django_db

URL = "/organisation/structure/"
REPORT_URL = "/organisation/structure/error-report/"


def page(response):
    return BeautifulSoup(response.content, "html.parser")


def upload(client, data: bytes, dry_run: bool = False, name: str = "extract.csv"):
    payload = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if dry_run:
        payload["dry_run"] = "on"
    return client.post(URL, payload)


def summary(soup) -> dict[str, str]:
    return {
        r.select_one(".govuk-summary-list__key").get_text(strip=True): r.select_one(
            ".govuk-summary-list__value"
        ).get_text(strip=True)
        for r in soup.select(".govuk-summary-list__row")
    }


def table(soup, caption: str) -> list[list[str]]:
    for candidate in soup.select("table.govuk-table"):
        found = candidate.find("caption")
        if found and found.get_text(strip=True) == caption:
            return [
                [cell.get_text(strip=True) for cell in tr.find_all(["th", "td"])]
                for tr in candidate.select("tbody tr")
            ]
    raise AssertionError(f"no table captioned {caption}")


@pytest.mark.parametrize("role", [r for r in Role if r != Role.QA_OFFICER])
def test_only_the_qa_unit_can_see_the_page(client_for, role):
    client = client_for(role)
    assert client.get(URL).status_code == 404
    assert upload(client, csv_bytes([row()])).status_code == 404
    assert client.post(REPORT_URL, {"report": "x"}).status_code == 404
    assert Staff.objects.filter(staff_id="E1001").count() == 0


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/sign-in/")


def test_page_lists_areas_teams_and_the_import_form(council, client_for):
    soup = page(client_for(Role.QA_OFFICER).get(URL))
    assert soup.h1.get_text(strip=True) == "Organisation"
    areas = table(soup, "Areas")
    assert ["North", "1", "2"] in areas and ["South", "1", "1"] in areas
    teams = table(soup, "Teams")
    home = next(t for t in teams if t[0] == council.home_team.name)
    assert home[-1] == "3"  # worker, colleague, manager
    assert (
        soup.find("label", attrs={"for": "id_file"}).get_text(strip=True) == "HR extract (CSV file)"
    )
    assert (
        soup.find("label", attrs={"for": "id_dry_run"}).get_text(strip=True)
        == "Check the file without importing"
    )
    assert soup.select_one("form[enctype='multipart/form-data'] input[type=file]")["name"] == "file"


def test_navigation_has_organisation_for_the_qa_unit_only(client_for):
    qa = [
        a.get_text(strip=True)
        for a in page(client_for(Role.QA_OFFICER).get("/")).select("#navigation a")
    ]
    manager = [
        a.get_text(strip=True)
        for a in page(client_for(Role.TEAM_MANAGER).get("/")).select("#navigation a")
    ]
    assert "Organisation" in qa and "Organisation" not in manager
    link = page(client_for(Role.QA_OFFICER).get("/")).find("a", string="Organisation")
    assert link["href"] == URL


def test_successful_import_shows_the_summary_and_records_the_run(council, client_for):
    client = client_for(Role.QA_OFFICER)
    data = csv_bytes([row(staff_id="E1"), row(staff_id="E2", line_manager_staff_id="E1", email="")])
    soup = page(upload(client, data))
    assert (
        soup.select_one(".govuk-notification-banner--success")
        .get_text(" ", strip=True)
        .endswith("extract.csv was imported.")
    )
    values = summary(soup)
    assert values["Rows read"] == "2"
    assert values["Staff created"] == "2"
    assert values["Team memberships opened"] == "2"
    assert values["Teams created"] == "1"
    assert values["Warnings"] == "1"
    assert table(soup, "Warnings") == [
        ["3", "email", "There is no email address, so this person cannot be sent notifications."]
    ]
    # Everyone from the council fixture is in the register but not in this extract.
    assert len(table(soup, "Not in this extract")) == Staff.objects.count() - 2
    history = table(soup, "Import history")
    assert history[0][1:5] == ["qa-officer", "extract.csv", "Imported", "2"]
    assert ImportRun.objects.get().by == council.users[Role.QA_OFFICER]


def test_dry_run_shows_what_would_change_and_saves_nothing(council, client_for):
    before = Staff.objects.count()
    soup = page(upload(client_for(Role.QA_OFFICER), csv_bytes([row()]), dry_run=True))
    assert soup.find("h2", id="import-summary").get_text(strip=True) == "What the import would do"
    assert summary(soup)["Staff created"] == "1"
    assert Staff.objects.count() == before
    assert ImportRun.objects.get().outcome == ImportOutcome.CHECKED


def test_refused_file_shows_the_error_summary_linked_to_the_file_field(council, client_for):
    client = client_for(Role.QA_OFFICER)
    before = (Staff.objects.count(), TeamMembership.objects.count())
    rows = [row(staff_id="E1", team_start_date="31/04/2024"), row(staff_id="E2", email="nope")]
    response = upload(client, csv_bytes(rows))
    soup = page(response)
    assert soup.title.get_text().startswith("Error: ")
    links = soup.select(".govuk-error-summary__list a")
    assert [a.get_text(strip=True) for a in links] == [
        "Row 2, column team_start_date: 31/04/2024 is not a real date: April 2024 has 30 days.",
        "Row 3, column email: nope is not a valid email address.",
    ]
    assert {a["href"] for a in links} == {"#id_file"}
    assert soup.find(id="id_file") is not None
    assert table(soup, "Problems")[1] == [
        "3",
        "email",
        "nope",
        "an email address like name@council.gov.uk",
        "nope is not a valid email address.",
    ]
    assert (Staff.objects.count(), TeamMembership.objects.count()) == before
    assert ImportRun.objects.get().outcome == ImportOutcome.REFUSED


def test_error_summary_stops_at_50_problems_and_the_table_lists_all(council, client_for):
    rows = [row(staff_id=f"E{n}", email=f"bad{n}") for n in range(60)]
    soup = page(upload(client_for(Role.QA_OFFICER), csv_bytes(rows)))
    links = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary__list a")]
    assert len(links) == 51
    assert links[-1].startswith("There are 10 more problems")
    assert len(table(soup, "Problems")) == 60


def test_error_report_downloads_as_csv_with_formulas_neutralised(council, client_for):
    client = client_for(Role.QA_OFFICER)
    soup = page(upload(client, csv_bytes([row(email="=cmd|' /C calc'!A0")])))
    report = soup.find("input", attrs={"name": "report"})["value"]
    response = client.post(REPORT_URL, {"report": report})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "column", "value", "expected", "message"]
    assert lines[1][:3] == ["2", "email", "'=cmd|' /C calc'!A0"]


def test_tampered_error_report_is_not_found(council, client_for):
    assert client_for(Role.QA_OFFICER).post(REPORT_URL, {"report": "forged"}).status_code == 404


def test_no_file_chosen_is_a_form_error(council, client_for):
    soup = page(client_for(Role.QA_OFFICER).post(URL, {}))
    links = soup.select(".govuk-error-summary__list a")
    assert [(a.get_text(strip=True), a["href"]) for a in links] == [
        ("Select the CSV file to import", "#id_file")
    ]


def test_empty_upload_gets_the_empty_file_message(council, client_for):
    soup = page(upload(client_for(Role.QA_OFFICER), b""))
    links = [a.get_text(strip=True) for a in soup.select(".govuk-error-summary__list a")]
    assert links == [
        "The file is empty. Upload a CSV file with a header row and one row per person."
    ]
