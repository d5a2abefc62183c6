"""`{% allowed "audits.submit" audit as can_submit %}`: the named permission, in a template."""

from typing import Any

from django import template

from qaf.common.permissions import allowed as _allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: Any, perm: str, obj: Any = None) -> bool:
    return _allowed(context["request"].user, perm, obj)
