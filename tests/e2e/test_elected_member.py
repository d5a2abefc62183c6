"""The elected member sees aggregates only: no page they can reach shows a child ID, and a
child's address is not found for them."""

import pytest
from playwright.sync_api import Page, expect

from qaf.cases.models import Child

from .conftest import CHILD_ID, DemoSite, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("browser")]


def test_elected_member_never_sees_a_child_id(page: Page, site: DemoSite) -> None:
    child = Child.objects.order_by("pk").first()
    assert child is not None
    sign_in(page, site, "demo-elected-member")
    expect(page.locator("h1")).to_have_text("Children's services at a glance")

    links = page.get_by_role("navigation", name="Menu").get_by_role("link")
    paths = list(links.evaluate_all("ls => ls.map(a => a.getAttribute('href'))"))
    assert "/children/" not in paths
    for path in [*paths, "/children/", f"/children/{child.pk}/"]:
        response = page.goto(site.at(path))
        assert response is not None
        html = page.content()
        assert not CHILD_ID.search(html), f"a child ID appeared on {path}"
        assert child.council_child_id not in html
        if path.startswith("/children/"):
            assert response.status == 404, f"{path} answered {response.status}"
