"""The audit tools API: QA-only management, own responses, immutability once submitted."""

import pytest

from qaf.accounts.models import Role
from qaf.tools import services
from qaf.tools.models import FormResponse, ToolVersion

from .factories import SMALL_TOOL

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa(council):
    return council.users[Role.QA_OFFICER]


def test_import_publish_and_read_as_qa(client_for):
    c = client_for(Role.QA_OFFICER)
    r = c.post("/api/v1/tools/import", {"yaml": SMALL_TOOL}, content_type="application/json")
    assert r.status_code == 201 and r.json()["status"] == "draft"
    bad = c.post(
        "/api/v1/tools/import",
        {"yaml": SMALL_TOOL.replace("type: date", "type: when")},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()[0]["path"].endswith(".type")
    assert c.post("/api/v1/tools/small-tool/versions/1/publish").json()["status"] == "published"
    assert c.post("/api/v1/tools/small-tool/versions/1/publish").status_code == 409
    listed = c.get("/api/v1/tools/").json()
    assert [t["key"] for t in listed] == ["small-tool"]
    assert c.get("/api/v1/tools/small-tool/versions/1/yaml").content.decode() == SMALL_TOOL


def test_management_is_not_found_for_others(client_for, qa):
    services.tool_version_import(yaml_text=SMALL_TOOL, by=qa)
    c = client_for(Role.TEAM_MANAGER)
    assert c.get("/api/v1/tools/").status_code == 404
    assert c.post("/api/v1/tools/small-tool/versions/1/publish").status_code == 404
    assert ToolVersion.objects.get().status == "draft"


def test_submitted_response_cannot_change_through_the_api(client_for, qa):
    tv = services.tool_version_publish(
        version=services.tool_version_import(yaml_text=SMALL_TOOL, by=qa), by=qa
    )
    r = services.form_response_start(tool_version=tv, author=qa)
    c = client_for(Role.QA_OFFICER)
    url = f"/api/v1/tools/responses/{r.pk}/sections/first"
    saved = c.post(
        url,
        {"answers": {"words": "  verbatim "}, "row_version": 1},
        content_type="application/json",
    )
    assert saved.status_code == 200 and saved.json()["response"]["answers"] == {
        "words": "  verbatim "
    }
    stale = c.post(
        url, {"answers": {"words": "stale"}, "row_version": 1}, content_type="application/json"
    )
    assert stale.status_code == 409
    incomplete = c.post(
        f"/api/v1/tools/responses/{r.pk}/submit",
        {"row_version": 2},
        content_type="application/json",
    )
    assert incomplete.status_code == 422
    r = services.form_response_save_section(
        response=r,
        section_key="first",
        by=qa,
        expected_version=2,
        grade="inadequate",
        data={
            "score": 1,
            "grade_q": "good",
            "seen": "yes",
            "colour": "red",
            "visit_date": "2025-01-02",
            "count": 1,
        },
        complete=True,
    ).response
    r = services.form_response_set_grade(
        response=r,
        section_key=None,
        grade="inadequate",
        reason="",
        by=qa,
        expected_version=r.row_version,
    )
    done = c.post(
        f"/api/v1/tools/responses/{r.pk}/submit",
        {"row_version": r.row_version},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "submitted"
    after = c.post(
        url,
        {"answers": {"words": "changed"}, "row_version": done.json()["row_version"]},
        content_type="application/json",
    )
    assert after.status_code == 409
    assert FormResponse.objects.get(pk=r.pk).answers["words"] == "  verbatim "
    other = client_for(Role.DIRECTOR)
    assert other.get(f"/api/v1/tools/responses/{r.pk}").status_code == 404
