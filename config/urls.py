from django.contrib import admin
from django.urls import include, path

from qaf.api.api import api

urlpatterns = [
    path("", include("qaf.web.urls")),
    path("accounts/", include("qaf.accounts.urls")),
    path("children/", include("qaf.cases.urls")),
    path("case-data/", include("qaf.cases.import_urls")),
    path("organisation/", include("qaf.organisation.urls")),
    path("access-log/", include("qaf.access_log.urls")),
    path("escalations/", include("qaf.escalations.urls")),
    path("actions/", include("qaf.actions.urls")),
    path("performance/", include("qaf.performance.urls")),
    path("feedback/", include("qaf.feedback.urls")),
    path("f/", include("qaf.feedback.public_urls")),
    path("audits/", include("qaf.audits.urls")),
    path("tools/", include("qaf.tools.urls")),
    path("forms/", include("qaf.tools.form_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
# Council single sign-on: always routed, answering 404 unless OIDC_RP_CLIENT_ID is set.
urlpatterns.append(path("oidc/", include("qaf.accounts.oidc_urls")))

handler400 = "qaf.web.errors.bad_request"
handler403 = "qaf.web.errors.forbidden"
handler404 = "qaf.web.errors.not_found"
handler500 = "qaf.web.errors.server_error"
