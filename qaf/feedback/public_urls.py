from django.urls import path

from . import views

app_name = "feedback_public"
urlpatterns = [
    path("<str:token>/", views.survey, name="survey"),
]
