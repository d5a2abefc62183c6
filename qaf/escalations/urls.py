from django.urls import path

from .views import closure_days, dashboard, escalations, practice_reviews, second_person

app_name = "escalations"
urlpatterns = [
    path("", escalations.escalation_list, name="list"),
    path("raise/", escalations.escalation_raise, name="raise"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("closure-days/", closure_days.closure_days, name="closure_days"),
    path(
        "closure-days/<int:pk>/remove/",
        closure_days.closure_day_remove,
        name="closure_day_remove",
    ),
    path(
        "practice-reviews/",
        practice_reviews.practice_review_list,
        name="practice_review_list",
    ),
    path(
        "practice-reviews/new/",
        practice_reviews.practice_review_new,
        name="practice_review_new",
    ),
    path(
        "practice-reviews/<int:pk>/",
        practice_reviews.practice_review_detail,
        name="practice_review_detail",
    ),
    path(
        "practice-reviews/<int:pk>/form/",
        practice_reviews.practice_review_tasks,
        name="practice_review_tasks",
    ),
    path(
        "practice-reviews/<int:pk>/form/check/",
        practice_reviews.practice_review_check,
        name="practice_review_check",
    ),
    path(
        "practice-reviews/<int:pk>/form/<slug:section_key>/",
        practice_reviews.practice_review_section,
        name="practice_review_section",
    ),
    path("requests/<int:pk>/", second_person.request_decide, name="request_decide"),
    path("<int:pk>/", escalations.escalation_detail, name="detail"),
    path("<int:pk>/request/", second_person.request_create, name="request_create"),
    path("<int:pk>/<slug:action>/", escalations.escalation_step, name="step"),
]
