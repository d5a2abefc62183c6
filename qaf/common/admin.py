"""The task queue's table is not shown in the admin: its rows are the worker's bookkeeping, and
what people need to know (an import's outcome, an email's failure) has its own page."""

from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
