"""Generic error pages: they say what happened and what to do, and reveal nothing else."""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

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
    500: (
        "Sorry, there is a problem with the service",
        "Try again later. Nothing you had saved has been lost.",
    ),
}


def _render(request: HttpRequest, status: int) -> HttpResponse:
    title, body = PAGES[status]
    html: str
    try:
        html = render_to_string("errors/error.html", {"title": title, "body": body}, request)
    except Exception:  # the error page must never fail itself
        html = f"<!DOCTYPE html><html lang='en'><title>{title}</title><h1>{title}</h1><p>{body}</p>"
    return HttpResponse(html, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500)
