from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("categories", views.CategoryViewSet, basename="api-category")
router.register("teens", views.TeenViewSet, basename="api-teen")
router.register("providers", views.ProviderViewSet, basename="api-provider")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="api-me"),
    path("me/export/", views.MeExportView.as_view(), name="api-me-export"),
    path("me/consent/resend/", views.ConsentResendView.as_view(), name="api-consent-resend"),
    *router.urls,
]
