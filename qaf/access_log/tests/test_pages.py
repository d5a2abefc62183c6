"""The QA unit's access-log page shows how each record was read, and lists with their count."""

from bs4 import BeautifulSoup

from qaf.access_log.services import access_log_record, access_log_record_list
from qaf.accounts.models import Role


def rows(response) -> list[list[str]]:
    soup = BeautifulSoup(response.content, "html.parser")
    return [
        [cell.get_text(" ", strip=True) for cell in row.select("th, td")]
        for row in soup.select("tbody tr")
    ]


def test_the_qa_unit_sees_via_and_list_counts(council, client_for):
    qa = council.users[Role.QA_OFFICER]
    access_log_record(user=qa, object_type="audit", object_id=12, outcome="allowed", via="pdf")
    access_log_record_list(user=qa, object_type="child", count=3, via="export")
    response = client_for(Role.QA_OFFICER).get("/access-log/")
    assert response.status_code == 200
    table = rows(response)
    assert table[0][3:] == ["a list of 3 child records", "Export (spreadsheet or CSV)", "Allowed"]
    assert table[1][3:] == ["audit 12", "PDF", "Allowed"]
