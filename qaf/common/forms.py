"""The project form renderer: every Django form field renders as GOV.UK Design System markup."""

from typing import Any

from django.forms.renderers import TemplatesSetting

from .errors import DomainError, NotAllowed, NotFound


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"


class service_errors:  # a context manager: reads as a phrase
    """Show a service's refusal on the form it came from, keeping everything the person typed.

        with service_errors(form) as outcome:
            services.audit_return(audit=audit, by=request.user, reason=form.cleaned_data["reason"])
        if outcome.ok:
            return redirect(...)

    Invalid, Conflict (and so IllegalTransition) and RateLimited become an error on `field` (the
    form as a whole by default). NotFound and NotAllowed are not the form's business: they go on
    to DomainErrorMiddleware, which answers with the 404 or 403 page.
    """

    def __init__(self, form: Any, field: str | None = None) -> None:
        self.form = form
        self.field = field
        self.ok = True

    def __enter__(self) -> "service_errors":
        return self

    def __exit__(self, kind: Any, error: BaseException | None, tb: Any) -> bool:
        if error is None:
            return False
        if isinstance(error, NotFound | NotAllowed) or not isinstance(error, DomainError):
            return False
        self.ok = False
        self.form.add_error(self.field, str(error))
        return True
