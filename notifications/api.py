"""The in-app inbox in API v1: `GET /api/v1/notifications/` and
`POST /api/v1/notifications/{id}/read/`.

The queryset holds only the caller's own in-app messages, so another person's id is a 404.
The row's context is never sent: it may carry data meant only for the message's wording.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from .models import Notification
from .selectors import inbox_for, notification_text
from .services import notification_read


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField(help_text="Subject line, in the recipient's language.")
    text = serializers.SerializerMethodField(help_text="Short text, in the recipient's language.")
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "text", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def _texts(self, obj) -> tuple[str, str]:
        # Rendered once per row for both fields.
        if getattr(obj, "_texts", None) is None:
            obj._texts = notification_text(obj)
        return obj._texts

    def get_title(self, obj) -> str:
        return self._texts(obj)[0]

    def get_text(self, obj) -> str:
        return self._texts(obj)[1]

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


@extend_schema_view(
    list=extend_schema(
        summary="Own in-app messages, newest first",
        parameters=[OpenApiParameter("unread", OpenApiTypes.BOOL, description="Only unread messages (true).")],
    ),
)
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Notification.objects.none()
        queryset = inbox_for(user=self.request.user)
        if self.action == "list" and self.request.query_params.get("unread", "").lower() in {"1", "true", "yes"}:
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(request=None, summary="Mark one own message read (idempotent)",
                   responses={200: NotificationSerializer,
                              404: OpenApiResponse(description="Not one of the caller's messages: "
                                                               '{"detail": ..., "errors": {}}')})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_read(notification=self.get_object(), user=request.user)
        return Response(self.get_serializer(notification).data)


router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="api-notification")

# Included under /api/v1/ by config/urls.py.
urlpatterns = router.urls
