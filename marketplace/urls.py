from django.urls import path

from .views import (
    account,
    assignments,
    certificate,
    console_audit,
    console_broadcasts,
    console_people,
    console_settings,
    console_stats,
    console_today,
    coordinator,
    coordinator_jobs,
    provider,
    provider_jobs,
    public,
    teen,
    teen_jobs,
)

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
    path("jugendliche/auftraege/", teen_jobs.feed, name="teen_feed"),
    path("jugendliche/auftraege/<int:pk>/", teen_jobs.job_detail, name="teen_job"),
    path("jugendliche/bewerbungen/", teen_jobs.applications, name="teen_applications"),
    path("jugendliche/bewerbungen/<int:pk>/zurueckziehen/", teen_jobs.withdraw, name="teen_application_withdraw"),
    path("jugendliche/einsaetze/", teen_jobs.assignments, name="teen_assignments"),
    path("jugendliche/einsaetze.ics", teen_jobs.calendar, name="teen_calendar"),
    # providers
    path("auftraggeber/profil/", provider.profile_edit, name="provider_profile"),
    path("auftraggeber/hilfe-anfragen/", provider_jobs.job_new, name="provider_job_new"),
    path("auftraggeber/auftraege/", provider_jobs.job_list, name="provider_jobs"),
    path("auftraggeber/auftraege/<int:pk>/", provider_jobs.job_detail, name="provider_job"),
    path("auftraggeber/auftraege/<int:pk>/aendern/", provider_jobs.job_edit, name="provider_job_edit"),
    path("auftraggeber/auftraege/<int:pk>/absagen/", provider_jobs.job_cancel, name="provider_job_cancel"),
    path("auftraggeber/bewerbungen/<int:pk>/annehmen/", provider_jobs.application_accept,
         name="provider_application_accept"),
    path("auftraggeber/bewerbungen/<int:pk>/ablehnen/", provider_jobs.application_decline,
         name="provider_application_decline"),
    # both sides of a confirmed match (and coordinators)
    path("einsatz/<int:pk>/bestaetigen/", assignments.complete, name="assignment_complete"),
    path("einsatz/<int:pk>/nicht-erschienen/", assignments.no_show, name="assignment_no_show"),
    path("einsatz/<int:pk>/absagen/", assignments.cancel, name="assignment_cancel"),
    path("einsatz/<int:pk>/bewerten/", assignments.feedback, name="assignment_feedback"),
    path("einsatz/<int:pk>/problem-melden/", assignments.incident, name="assignment_incident"),
    path("einsatz/<int:pk>/nochmal-anfragen/", assignments.request_again, name="assignment_request_again"),
    # coordinators
    path("koordination/jugendliche/", coordinator.teen_list, name="coordinator_teens"),
    path("koordination/jugendliche/<int:pk>/", coordinator.teen_detail, name="coordinator_teen"),
    path("koordination/auftraggeber/", coordinator.provider_list, name="coordinator_providers"),
    path("koordination/auftraggeber/neu/", coordinator.provider_create, name="coordinator_provider_create"),
    path("koordination/auftraggeber/<int:pk>/", coordinator.provider_detail, name="coordinator_provider"),
    path("koordination/auftraege/", coordinator_jobs.job_list, name="coordinator_jobs"),
    path("koordination/auftraege/neu/", coordinator_jobs.job_new, name="coordinator_job_new"),
    path("koordination/auftraege/<int:pk>/", coordinator_jobs.job_detail, name="coordinator_job"),
    path("koordination/auftraege/<int:pk>/freigeben/", coordinator_jobs.job_approve, name="coordinator_job_approve"),
    path("koordination/auftraege/<int:pk>/ablehnen/", coordinator_jobs.job_reject, name="coordinator_job_reject"),
    path("koordination/auftraege/<int:pk>/vermitteln/", coordinator_jobs.assign, name="coordinator_job_assign"),
    path("koordination/vorschlag/", coordinator_jobs.proposal, name="coordinator_proposal"),
]

# The coordinator's console (issue 6): each part keeps its routes beside its views.
for _part in (console_today, console_people, console_broadcasts, console_audit, certificate, console_stats,
              console_settings):
    urlpatterns += _part.urlpatterns
