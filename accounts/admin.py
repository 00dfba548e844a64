from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "role", "language", "is_active", "is_staff", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Rolle und Sprache"), {"fields": ["role", "language"]}),
        (_("Rechte"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Daten"), {"fields": ["last_login", "date_joined", "anonymised_at"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]})]
    readonly_fields = ["last_login", "date_joined", "anonymised_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log cannot be edited from the application."""

    list_display = ["created_at", "action", "actor", "exchange_id", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["action"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
