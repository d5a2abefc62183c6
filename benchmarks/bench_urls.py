"""QAF's URLs plus /bench/bare/: a signed-in page rendering only templates/base.html."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path


def bare(request: HttpRequest) -> HttpResponse:
    return render(request, "base.html")


urlpatterns = [path("bench/bare/", bare), path("", include("config.urls"))]
