from django.urls import path

from . import views

app_name = "performance"
urlpatterns = [
    path("", views.scorecard, name="scorecard"),
    path("scorecard.csv", views.scorecard_csv, name="scorecard_csv"),
    path("scorecard.xlsx", views.scorecard_xlsx, name="scorecard_xlsx"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
]
