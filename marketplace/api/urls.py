from django.urls import path
from rest_framework.routers import SimpleRouter

from . import console, jobs, views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="api-category")
router.register("teens", views.TeenViewSet, basename="api-teen")
router.register("providers", views.ProviderViewSet, basename="api-provider")
router.register("jobs", jobs.JobViewSet, basename="api-job")
router.register("applications", jobs.ApplicationViewSet, basename="api-application")
router.register("assignments", jobs.AssignmentViewSet, basename="api-assignment")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/export/", views.MeExportView.as_view(), name="api-me-export"),
    path("me/consent/resend/", views.ConsentResendView.as_view(), name="api-consent-resend"),
    path("proposals/", jobs.ProposalView.as_view(), name="api-proposals"),
    path("proposals/confirm/", jobs.ProposalConfirmView.as_view(), name="api-proposals-confirm"),
    *router.urls,
    path("stats/", console.StatsView.as_view(), name="api-stats"),
    path("me/certificate/", console.CertificateView.as_view(), name="api-me-certificate"),
]
