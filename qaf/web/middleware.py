"""Request handling that answers with the product's own error pages."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from qaf.common.errors import DomainError

from .errors import error_page, forbidden


class DomainErrorMiddleware:
    """Pages: a domain error no view handled becomes the matching error page (404, 403, 409,
    422 or 429), never a 500. The API maps the same errors once, in qaf.api.api."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DomainError):
            return error_page(request, exception)
        return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the generic 403 page, never Django's page explaining what failed."""
    return forbidden(request)
