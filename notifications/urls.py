from django.urls import path

from . import views

urlpatterns = [
    path("", views.inbox, name="notification_inbox"),
    path("<int:pk>/gelesen/", views.read, name="notification_read"),
    path("alle-gelesen/", views.read_all, name="notification_read_all"),
    path("einstellungen/", views.preferences, name="notification_preferences"),
    path("abbestellen/<str:token>/", views.unsubscribe, name="notification_unsubscribe"),
    # coordinators
    path("anrufliste/", views.call_list, name="notification_call_list"),
    path("anrufliste/<int:pk>/erledigt/", views.call_done, name="notification_call_done"),
    path("nicht-zugestellt/", views.failed, name="notification_failed"),
]
