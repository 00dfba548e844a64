from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Taschengeldbörse")

    def ready(self):
        from accounts.services import data_rights_register

        from .data_rights import contributor

        data_rights_register(contributor)

        from . import signals  # noqa: F401  (connects the feed cache's invalidation)
