"""Generic error pages: they say what happened and what to do, and reveal nothing else."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from qaf.common.errors import DomainError, NotFound

PAGES = {
    400: ("Sorry, there is a problem with your request", "Go back and try again."),
    403: (
        "You do not have permission to do this",
        "If you think you should, ask your manager or the QA unit.",
    ),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. If you followed a link, the record "
        "may not exist or may not be one you can see.",
    ),
    409: (
        "This record has changed",
        "Someone may have changed it since you opened the page. Go back, reload the page and "
        "try again.",
    ),
    422: ("Sorry, that could not be done", "Go back, check what you entered and try again."),
    429: ("Too many attempts", "Wait a few minutes and try again."),
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you had saved has been lost.",
    ),
}


def _render(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    title, body = PAGES[status]
    html: str
    try:
        html = render_to_string(
            "errors/error.html", {"title": title, "body": body, "detail": detail}, request
        )
    except Exception:  # the error page must never fail itself
        html = f"<!DOCTYPE html><html lang='en'><title>{title}</title><h1>{title}</h1><p>{body}</p>"
    return HttpResponse(html, status=status)


def error_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The page for a domain error no view handled. Its message is shown (it is written for the
    user), except for NotFound, which never says more than "not found"."""
    status = error.http_status if error.http_status in PAGES else 422
    detail = "" if isinstance(error, NotFound) else str(error)
    return _render(request, status, detail)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500)
