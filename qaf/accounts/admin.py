"""The QA unit's account administration: the Django admin, signed in through the QAF sign-in."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .models import User
from .services import user_disable


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no sign-in form of its own: the QAF one applies lockout and the second
    factor (SecondFactorRequiredMiddleware keeps unverified sessions out of /admin/)."""
    if request.user.is_authenticated:
        # Signed in, but not staff: the admin sends them here; they may not use it.
        raise PermissionDenied("Your account cannot administer accounts")
    next_url = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(reverse("accounts:login") + "?" + urlencode({"next": next_url}))


admin.site.login = admin_login  # type: ignore[method-assign]


@admin.action(description="Disable the selected accounts and end their sessions")
def disable_accounts(modeladmin: Any, request: HttpRequest, queryset: QuerySet[User]) -> None:
    disabled = []
    for user in queryset.order_by("username"):
        if user.pk == request.user.pk:
            modeladmin.message_user(
                request, "You cannot disable your own account", level=messages.ERROR
            )
            continue
        user_disable(user=user)
        disabled.append(user.username)
    if disabled:
        modeladmin.message_user(
            request,
            f"Disabled {len(disabled)} account(s) and ended their sessions: {', '.join(disabled)}",
            level=messages.SUCCESS,
        )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    readonly_fields = ("oidc_subject", "last_login", "date_joined")
    actions = [disable_accounts]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("QAF", {"fields": ("role", "staff", "agency", "oidc_subject")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("QAF", {"fields": ("role", "staff", "agency")}),
    )
    raw_id_fields = ("staff",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are disabled, never deleted: the access log and case history refer to them.
        return False

    def get_actions(self, request: HttpRequest) -> Any:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # Unticking "active" is disabling: it must end the sessions too, not only the flag.
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            user_disable(user=obj)
