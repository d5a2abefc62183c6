from django.urls import path

from .views import analysis, complaints, duty_inbox, entry, links, responses

app_name = "feedback"
urlpatterns = [
    path("", links.home, name="home"),
    path("requests/new/", links.request_new, name="request_new"),
    path("requests/<int:pk>/", links.request_detail, name="request_detail"),
    path("open-links/", links.open_link_list, name="open_link_list"),
    path("open-links/new/", links.open_link_new, name="open_link_new"),
    path("open-links/<int:pk>/", links.open_link_detail, name="open_link_detail"),
    path("open-links/<int:pk>/print/", links.open_link_print, name="open_link_print"),
    path("open-links/<int:pk>/close/", links.open_link_close, name="open_link_close"),
    path("responses/", responses.response_list, name="response_list"),
    path("responses/<int:pk>/", responses.response_detail, name="response_detail"),
    path("enter/", entry.entry, name="entry"),
    path("analysis/", analysis.analysis, name="analysis"),
    path("analysis/export.csv", analysis.analysis_export, name="analysis_export"),
    path("duty-inbox/", duty_inbox.alert_list, name="alert_list"),
    path("duty-inbox/<int:pk>/", duty_inbox.alert_detail, name="alert_detail"),
    path("complaints/", complaints.complaint_list, name="complaint_list"),
    path("complaints/new/", complaints.complaint_new, name="complaint_new"),
    path("complaints/<int:pk>/", complaints.complaint_detail, name="complaint_detail"),
    path("complaints/export.csv", complaints.complaint_export, name="complaint_export"),
]
