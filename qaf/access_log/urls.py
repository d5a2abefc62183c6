from django.urls import path

from . import views

app_name = "access_log"
urlpatterns = [path("", views.entry_list, name="list")]
