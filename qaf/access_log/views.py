from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qaf.common.permissions import gate

from .models import AccessLogEntry


@gate("access_log.read_log")
@require_GET
def entry_list(request: HttpRequest) -> HttpResponse:
    """The QA unit reviews who read which record. The log holds no sensitive content."""
    entries = AccessLogEntry.objects.all()
    username = request.GET.get("username", "").strip()[:150]
    if username:
        entries = entries.filter(username=username)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "access_log/entry_list.html",
        {
            "page_obj": page,
            "username": username,
            "query": f"username={username}" if username else "",
        },
    )
