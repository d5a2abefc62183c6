from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from qaf.common.permissions import gate

from .selectors import child_get_visible, child_list_visible, involvement_list_for_child


@gate("cases.view_children")
@require_GET
def child_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:80]
    children = child_list_visible(user=request.user)
    if query:
        children = children.filter(
            Q(council_child_id__icontains=query)
            | Q(given_name__icontains=query)
            | Q(family_name__icontains=query)
        )
    page = Paginator(children.order_by("council_child_id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/child_list.html",
        {"page_obj": page, "q": query, "query": f"q={query}" if query else ""},
    )


@gate("cases.view_children")
@require_GET
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    child = child_get_visible(user=request.user, pk=child_id)
    return render(
        request,
        "cases/child_detail.html",
        {"child": child, "involvements": involvement_list_for_child(child=child)},
    )
