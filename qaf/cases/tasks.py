"""Background jobs for the case register (django-tasks; the database backend in production)."""

from django_tasks import task

from .models import CaseImport, ImportStatus
from .services import case_import_run


@task()
def case_import_task(import_id: int) -> str:
    case_import = CaseImport.objects.filter(pk=import_id, status=ImportStatus.QUEUED).first()
    if case_import is None:
        return "already run"
    return case_import_run(case_import=case_import).status
