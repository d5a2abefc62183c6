"""The versioned JSON API. Each app owns its router; this file wires them together."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from qaf.actions.api import router as actions_router
from qaf.audits.api import router as audits_router
from qaf.cases.api import imports_router as case_imports_router
from qaf.cases.api import router as cases_router
from qaf.common.errors import DomainError, NotFound
from qaf.escalations.api import router as escalations_router
from qaf.feedback.api import router as feedback_router
from qaf.organisation.api import router as organisation_router
from qaf.performance.api import router as performance_router
from qaf.tools.api import router as tools_router

from .auth import TokenAuth, VerifiedSessionAuth

api = NinjaAPI(
    title="QAF API",
    version="1",
    description=(
        "Children's services quality assurance. Every endpoint applies exactly the scoping of "
        "the pages: out-of-scope records answer 404."
    ),
    auth=[TokenAuth(), VerifiedSessionAuth()],
    urls_namespace="api-v1",
    docs_url=None,  # the interactive docs load scripts from a CDN; the OpenAPI document is enough
)
api.add_router("/organisation/", organisation_router)
api.add_router("/children/", cases_router)
api.add_router("/case-imports/", case_imports_router)
api.add_router("/performance/", performance_router)
api.add_router("/tools/", tools_router)
api.add_router("/escalations/", escalations_router)
api.add_router("/feedback/", feedback_router)
api.add_router("/actions/", actions_router)
api.add_router("/audits/", audits_router)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The one mapping of domain errors for the API: each carries its own HTTP status (see
    qaf.common.errors); a NotFound never says more than "Not found"."""
    detail = "Not found" if isinstance(error, NotFound) else str(error)
    return api.create_response(request, {"detail": detail}, status=error.http_status)
