"""The generic form-filling pages, under /forms/ (reused by every workflow that fills a form)."""

from django.urls import path

from .views import responses as views

app_name = "forms"
urlpatterns = [
    path("<int:pk>/", views.task_list, name="task_list"),
    path("<int:pk>/check/", views.check_answers, name="check"),
    path("<int:pk>/sections/<slug:section_key>/", views.section, name="section"),
    path("<int:pk>/sections/<slug:section_key>/autosave/", views.autosave, name="autosave"),
]
