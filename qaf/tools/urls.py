"""The QA unit's "Audit tools" pages, under /tools/."""

from django.urls import path

from .views import tool_versions as views

app_name = "tools"
urlpatterns = [
    path("", views.tool_list_page, name="list"),
    path("upload/", views.upload, name="upload"),
    path("<slug:key>/compare/", views.compare, name="compare"),
    path("<slug:key>/v<int:version>/", views.version_page, name="version"),
    path("<slug:key>/v<int:version>/export/", views.export, name="export"),
    path("<slug:key>/v<int:version>/publish/", views.publish, name="publish"),
    path("<slug:key>/v<int:version>/retire/", views.retire, name="retire"),
    path("<slug:key>/v<int:version>/try/", views.try_tool, name="try"),
]
