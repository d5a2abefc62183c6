"""The project form renderer: every Django form field renders as GOV.UK Design System markup."""

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "components/forms/form.html"
    field_template_name = "components/forms/field.html"
