from django.urls import path

from .views import public

app_name = "feedback_public"
urlpatterns = [
    path("<str:token>/", public.survey, name="survey"),
]
