"""A published version never changes when a draft of the same tool is uploaded, edited or
published, and "Compare versions" shows each version's own values side by side (issue 13: the
upload of a draft renamed the published version in use)."""

import pytest
from bs4 import BeautifulSoup

from qaf.accounts.models import Role
from qaf.tools import services
from qaf.tools.models import ToolVersion

from .factories import SMALL_TOOL

pytestmark = pytest.mark.django_db

V2 = (
    SMALL_TOOL.replace("version: 1", "version: 2")
    .replace("title: Small tool", "title: Small tool, revised")
    .replace("services: all", "services: [early-help]")
    .replace("label: How well was it done?", "label: How well was the work done?")
)


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def h1(client, url):
    return soup(client.get(url)).h1.get_text(" ", strip=True)


@pytest.fixture
def qa(council):
    return council.users[Role.QA_OFFICER]


@pytest.fixture
def qa_client(client_for):
    return client_for(Role.QA_OFFICER)


@pytest.fixture
def v1(qa):
    return services.tool_version_publish(
        version=services.tool_version_import(yaml_text=SMALL_TOOL, by=qa), by=qa
    )


def tool_row(client):
    rows = soup(client.get("/tools/")).select("tbody tr")
    return [r.th.get_text(" ", strip=True) for r in rows]


def assert_version_1_as_published(client, v1, form_pk):
    v1 = ToolVersion.objects.get(pk=v1.pk)
    assert str(v1) == "Small tool, version 1"
    assert h1(client, "/tools/small-tool/v1/").startswith("Small tool, version 1")
    assert h1(client, f"/forms/{form_pk}/") == "Small tool"
    assert v1.definition.title == "Small tool"


def test_uploading_and_editing_a_draft_leaves_the_published_version_alone(qa, qa_client, v1):
    form = services.form_response_start(tool_version=v1, author=qa)
    draft = services.tool_version_import(yaml_text=V2, by=qa)
    assert_version_1_as_published(qa_client, v1, form.pk)
    assert tool_row(qa_client) == ["Small tool small-tool"]  # new forms still use version 1
    services.tool_version_update_draft(
        version=draft, yaml_text=V2.replace("Small tool, revised", "Small tool, edited"), by=qa
    )
    assert_version_1_as_published(qa_client, v1, form.pk)
    assert tool_row(qa_client) == ["Small tool small-tool"]
    assert h1(qa_client, "/tools/small-tool/v2/").startswith("Small tool, edited, version 2")


def test_publishing_a_new_version_leaves_the_old_one_as_it_was(qa, qa_client, v1):
    form = services.form_response_start(tool_version=v1, author=qa)
    services.tool_version_publish(version=services.tool_version_import(yaml_text=V2, by=qa), by=qa)
    assert_version_1_as_published(qa_client, v1, form.pk)
    assert h1(qa_client, "/tools/small-tool/v2/").startswith("Small tool, revised, version 2")
    # The tool is now known by the version new forms use.
    assert tool_row(qa_client) == ["Small tool, revised small-tool"]


def test_compare_shows_each_versions_own_values(qa, qa_client, v1):
    services.tool_version_import(yaml_text=V2, by=qa)
    page = soup(qa_client.get("/tools/small-tool/compare/?from=1&to=2"))
    rows = {
        tr.select("td")[1].get_text(strip=True): [
            td.get_text(" ", strip=True) for td in tr.select("td")[2:]
        ]
        for tr in page.select("tbody tr")
    }
    old, new = rows["small-tool"]
    assert "Small tool" in old and "revised" not in old and "All services" in old
    assert "Small tool, revised" in new and "Early help" in new and "All services" not in new
    old, new = rows["score"]
    assert "How well was it done?" in old and "the work" not in old
    assert "How well was the work done?" in new
