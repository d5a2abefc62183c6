from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:team_id>/", views.team_detail, name="team_detail"),
    path("structure/", views.structure, name="structure"),
    path("structure/error-report/", views.import_error_report, name="import_error_report"),
]
