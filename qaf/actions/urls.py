from django.urls import path

from . import views

app_name = "actions"
urlpatterns = [
    path("", views.my_actions, name="mine"),
    path("new/", views.action_new, name="new"),
    path("<int:pk>/", views.action_detail, name="detail"),
    path("<int:pk>/effectiveness/", views.action_effectiveness, name="effectiveness"),
    path("supervision/", views.supervision, name="supervision"),
    path("supervision/<int:staff_id>/", views.supervision_for, name="supervision_for"),
    path("getting-to-outstanding/", views.outstanding, name="outstanding"),
    path("overdue/", views.overdue, name="overdue"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
]
