"""Refuses, with 422, API requests whose text the databases cannot store: a NUL character in
the path, the query string or the JSON body, a lone surrogate in the body, or an integer past
64 bits (issue 17: these were 500s on PostgreSQL). Checked before any view runs, so every
endpoint, including those that read the body themselves, is covered."""

import json
from collections.abc import Callable
from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, JsonResponse

from qaf.common.input_checks import data_problem, text_problem

API_PREFIX = "/api/"


def _problem(request: HttpRequest) -> str | None:
    path_problem = text_problem(unquote(request.path))
    if path_problem:
        return f"The address {path_problem}"
    for key, values in request.GET.lists():
        for value in [key, *values]:
            problem = text_problem(value)
            if problem:
                return f"The query parameter {key!r} {problem}"
    if request.method in ("POST", "PUT", "PATCH") and request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"null")
        except UnicodeDecodeError:
            return "The request body is not valid UTF-8"
        except ValueError:
            return None  # not JSON at all: the endpoint answers that itself
        problem = data_problem(body)
        if problem:
            return f"In the request body, {problem}"
    return None


class RefuseUnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            problem = _problem(request)
            if problem:
                return JsonResponse({"detail": problem}, status=422)
        return self.get_response(request)
