"""Case data: importing case-management extracts (QA unit and data analysts)."""

from django.urls import path

from . import import_views as views

app_name = "case_data"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("new/", views.import_new, name="import_new"),
    path("<int:import_id>/", views.import_detail, name="import_detail"),
    path("<int:import_id>/errors.csv", views.import_errors_csv, name="import_errors_csv"),
]
