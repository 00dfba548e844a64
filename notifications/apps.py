from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Benachrichtigungen")

    def ready(self):
        from accounts.services import data_rights_register

        from .data_rights import contributor

        data_rights_register(contributor)
