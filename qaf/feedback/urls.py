from django.urls import path

from . import views

app_name = "feedback"
urlpatterns = [
    path("", views.home, name="home"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("open-links/", views.open_link_list, name="open_link_list"),
    path("open-links/new/", views.open_link_new, name="open_link_new"),
    path("open-links/<int:pk>/", views.open_link_detail, name="open_link_detail"),
    path("open-links/<int:pk>/print/", views.open_link_print, name="open_link_print"),
    path("open-links/<int:pk>/close/", views.open_link_close, name="open_link_close"),
    path("responses/", views.response_list, name="response_list"),
    path("responses/<int:pk>/", views.response_detail, name="response_detail"),
    path("enter/", views.entry, name="entry"),
    path("analysis/", views.analysis, name="analysis"),
    path("analysis/export.csv", views.analysis_export, name="analysis_export"),
    path("duty-inbox/", views.alert_list, name="alert_list"),
    path("duty-inbox/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("complaints/", views.complaint_list, name="complaint_list"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint_detail"),
    path("complaints/export.csv", views.complaint_export, name="complaint_export"),
]
