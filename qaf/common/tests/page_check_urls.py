"""Pages that each break one page-wide invariant, for test_page_checks.py (tests/page_checks.py).

Served through the real middleware, so the Content-Security-Policy header and its nonce are the
ones a real page gets.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path

SOUND_MAIN = '<h1 class="govuk-heading-l">Your caseload</h1><p class="govuk-body">In progress</p>'


def _page(
    request: HttpRequest,
    *,
    title: str = "Your caseload - QA",
    main: str = SOUND_MAIN,
    script: str | None = None,
) -> HttpResponse:
    nonce = request.csp_nonce  # type: ignore[attr-defined]
    script = (
        f'<script nonce="{nonce}" src="/static/js/qaf.js"></script>' if script is None else script
    )
    return HttpResponse(
        f"<!DOCTYPE html><html lang='en-GB'><head><title>{title}</title></head>"
        f"<body><main id='main-content'>{main}</main>{script}</body></html>"
    )


PAGES = {
    "sound": {},
    "error-title": {"title": "Error: Your caseload - QA"},
    "no-h1": {"main": "<h2>Your caseload</h2>"},
    "two-h1": {"main": "<h1>Your caseload</h1><h1>Another</h1>"},
    "title-not-h1": {"title": "Home - QA"},
    "duplicate-ids": {"main": SOUND_MAIN + '<p id="x">a</p><p id="x">b</p>'},
    "script-without-nonce": {"script": '<script src="/static/js/qaf.js"></script>'},
    "script-wrong-nonce": {"script": '<script nonce="not-this-one">1</script>'},
    "raw-code": {"main": SOUND_MAIN + "<table><tr><td>in_progress</td></tr></table>"},
    "raw-code-in-code": {"main": SOUND_MAIN + "<p>Column <code>child_id</code></p>"},
}


def page(request: HttpRequest, kind: str) -> HttpResponse:
    return _page(request, **PAGES[kind])


def fragment(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p id='x'>in_progress</p><p id='x'>again</p>")


def data(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "in_progress"})


def redirect(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect("/page/no-h1/")


urlpatterns = [
    path("redirect/", redirect),
    path("page/<str:kind>/", page),
    path("fragment/", fragment),
    path("data/", data),
]
