from django.urls import path

from .views import account, coordinator, provider, public, teen

urlpatterns = [
    # public
    path("", public.home, name="home"),
    path("mitmachen/", public.signup_teen, name="signup_teen"),
    path("hilfe-suchen/", public.signup_provider, name="signup_provider"),
    path("einwilligung/<str:token>/", public.consent_give, name="consent_give"),
    path("einwilligung-widerrufen/<str:token>/", public.consent_revoke, name="consent_revoke"),
    # every signed-in person
    path("start/", account.dashboard, name="dashboard"),
    path("konto/daten/", account.data_overview, name="account_data"),
    path("konto/daten/export.json", account.data_export, name="account_export"),
    path("konto/loeschen/", account.delete, name="account_delete"),
    # teens
    path("jugendliche/profil/", teen.profile_edit, name="teen_profile"),
    path("jugendliche/einwilligung-erneut-senden/", teen.consent_resend, name="teen_consent_resend"),
    path("jugendliche/pause/", teen.pause, name="teen_pause"),
    # providers
    path("auftraggeber/profil/", provider.profile_edit, name="provider_profile"),
    # coordinators
    path("koordination/", coordinator.home, name="coordinator_home"),
    path("koordination/jugendliche/", coordinator.teen_list, name="coordinator_teens"),
    path("koordination/jugendliche/<int:pk>/", coordinator.teen_detail, name="coordinator_teen"),
    path("koordination/auftraggeber/", coordinator.provider_list, name="coordinator_providers"),
    path("koordination/auftraggeber/neu/", coordinator.provider_create, name="coordinator_provider_create"),
    path("koordination/auftraggeber/<int:pk>/", coordinator.provider_detail, name="coordinator_provider"),
]
