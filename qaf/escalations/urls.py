from django.urls import path

from . import views

app_name = "escalations"
urlpatterns = [
    path("", views.escalation_list, name="list"),
    path("raise/", views.escalation_raise, name="raise"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("closure-days/", views.closure_days, name="closure_days"),
    path("closure-days/<int:pk>/remove/", views.closure_day_remove, name="closure_day_remove"),
    path("practice-reviews/", views.practice_review_list, name="practice_review_list"),
    path("practice-reviews/new/", views.practice_review_new, name="practice_review_new"),
    path("practice-reviews/<int:pk>/", views.practice_review_detail, name="practice_review_detail"),
    path(
        "practice-reviews/<int:pk>/form/",
        views.practice_review_tasks,
        name="practice_review_tasks",
    ),
    path(
        "practice-reviews/<int:pk>/form/check/",
        views.practice_review_check,
        name="practice_review_check",
    ),
    path(
        "practice-reviews/<int:pk>/form/<slug:section_key>/",
        views.practice_review_section,
        name="practice_review_section",
    ),
    path("requests/<int:pk>/", views.request_decide, name="request_decide"),
    path("<int:pk>/", views.escalation_detail, name="detail"),
    path("<int:pk>/request/", views.request_create, name="request_create"),
    path("<int:pk>/<slug:action>/", views.escalation_step, name="step"),
]
