from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """For the operator: what was sent, what failed. Read-only."""

    list_display = ["created_at", "kind", "channel", "status", "attempts", "exchange_id"]
    list_filter = ["status", "channel", "kind"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
