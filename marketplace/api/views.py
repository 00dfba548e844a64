"""API v1 views: parse, call a service or selector, render. Lists are scoped in get_queryset;
objects of other exchanges are simply not in the queryset, so they answer 404."""

from django.db import transaction
from django.http import JsonResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.services import user_delete, user_export

from ..models import Category, TeenStatus
from ..selectors import exchanges_for_coordinator, providers_for_coordinator, teens_for_coordinator
from ..services.consent import consent_resend
from ..services.exchanges import exchange_for_postcode
from ..services.providers import (
    provider_create_by_coordinator,
    provider_profile_for,
    provider_profile_update,
    provider_vet,
)
from ..services.teens import teen_profile_for, teen_profile_update, teen_verify
from .serializers import (
    CategorySerializer,
    CoordinatorMeSerializer,
    CoordinatorProviderSerializer,
    CoordinatorTeenSerializer,
    ProviderProfileSerializer,
    TeenProfileSerializer,
    VerifySerializer,
    VetSerializer,
)


class IsCoordinator(permissions.BasePermission):
    message = "Nur für die Koordination."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.COORDINATOR)


class IsTeen(permissions.BasePermission):
    message = "Nur für Jugendliche."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.TEEN)


def _me_serializer_class(user):
    return {Role.TEEN: TeenProfileSerializer, Role.PROVIDER: ProviderProfileSerializer}.get(
        user.role, CoordinatorMeSerializer)


def _me_object(user):
    if user.role == Role.TEEN:
        return teen_profile_for(user)
    if user.role == Role.PROVIDER:
        return provider_profile_for(user)
    return user


def _save_language(user, validated: dict) -> None:
    language = (validated.pop("user", None) or {}).get("language") or validated.pop("language", None)
    if language and language != user.language:
        user.language = language
        user.save(update_fields=["language"])


class MeView(APIView):
    """The signed-in person's account and role profile."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT},
                   description="Teen: TeenProfile fields; provider: ProviderProfile fields; "
                               "coordinator: account and exchanges.")
    def get(self, request):
        obj = _me_object(request.user)
        return Response(_me_serializer_class(request.user)(obj).data)

    @extend_schema(request=TeenProfileSerializer, responses={200: OpenApiTypes.OBJECT},
                   description="Change the own profile. For a provider the fields of "
                               "ProviderProfile apply. Nothing is stored when any field is invalid.")
    def patch(self, request):
        user = request.user
        obj = _me_object(user)
        serializer = _me_serializer_class(user)(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            if user.role in (Role.TEEN, Role.PROVIDER):
                data = serializer.to_service_data()
                _save_language(user, data)
                if user.role == Role.TEEN:
                    obj = teen_profile_update(teen=obj, data=data, by=user) if data else obj
                else:
                    obj = provider_profile_update(profile=obj, data=data, by=user) if data else obj
            else:
                _save_language(user, dict(serializer.validated_data))
                obj = user
        return Response(_me_serializer_class(user)(obj).data)

    @extend_schema(responses={200: inline_serializer("Deleted", {"result": serializers.CharField()})},
                   description="Delete the own account. Where others' records refer to it, "
                               "personal data is anonymised instead (result 'anonymised').")
    def delete(self, request):
        result = user_delete(user=request.user, by=request.user)
        return Response({"result": result})


class MeExportView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT}, description="Everything stored about me, as JSON.")
    def get(self, request):
        response = JsonResponse(user_export(user=request.user), json_dumps_params={"ensure_ascii": False})
        response["Content-Disposition"] = 'attachment; filename="meine-daten.json"'
        return response


class ConsentResendView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsTeen]

    @extend_schema(request=None, responses={202: inline_serializer("ConsentSent", {"detail": serializers.CharField()})})
    def post(self, request):
        consent_resend(teen=teen_profile_for(request.user))
        return Response({"detail": "Die E-Mail an deine Eltern ist unterwegs."}, status=202)


class CategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Categories of the own exchange (for a coordinator: of her exchanges). Before a teen or
    provider has a postcode, `?postcode=` tells which categories the exchange there offers."""

    serializer_class = CategorySerializer
    pagination_class = None

    @extend_schema(parameters=[OpenApiParameter("postcode", str, required=False)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        qs = Category.objects.filter(active=True).select_related("exchange")
        if user.role == Role.COORDINATOR:
            return qs.filter(exchange__in=exchanges_for_coordinator(user=user))
        exchange = None
        if user.role == Role.TEEN:
            exchange = teen_profile_for(user).exchange
        elif user.role == Role.PROVIDER:
            exchange = provider_profile_for(user).exchange
        code = self.request.query_params.get("postcode", "")
        if exchange is None and code.isdigit() and len(code) == 5:
            exchange = exchange_for_postcode(code)
        return qs.filter(exchange=exchange) if exchange else qs.none()


class TeenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The coordinator's view of teens: the verification queue and the decision."""

    serializer_class = CoordinatorTeenSerializer
    permission_classes = [permissions.IsAuthenticated, IsCoordinator]

    @extend_schema(parameters=[OpenApiParameter("status", str, required=False,
                                                enum=[s.value for s in TeenStatus],
                                                description="Default: waiting for consent or intake")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        qs = teens_for_coordinator(user=self.request.user).select_related("exchange__policy")
        if self.action == "list":
            status = self.request.query_params.get("status")
            if status and status not in TeenStatus.values:
                raise ValidationError({"status": [f"Unbekannter Status. Erlaubt: {', '.join(TeenStatus.values)}"]})
            if status:
                qs = qs.filter(status=status)
            else:
                qs = qs.filter(status__in=[TeenStatus.CONSENT_PENDING, TeenStatus.INTAKE_PENDING])
        return qs

    def retrieve(self, request, *args, **kwargs):
        from accounts.services import audit_log

        teen = self.get_object()
        audit_log(actor=request.user, action="marketplace.teen.viewed", target=teen,
                  exchange_id=teen.exchange_id, subject_user_id=teen.user_id)
        return Response(self.get_serializer(teen).data)

    @extend_schema(request=VerifySerializer, responses={200: CoordinatorTeenSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        teen = self.get_object()
        serializer = VerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        teen = teen_verify(teen=teen, by=request.user, **serializer.validated_data)
        teen = self.get_queryset().get(pk=teen.pk)
        return Response(CoordinatorTeenSerializer(teen).data)


class ProviderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Providers of the coordinator's exchanges; POST enters one after a phone call."""

    serializer_class = CoordinatorProviderSerializer
    permission_classes = [permissions.IsAuthenticated, IsCoordinator]

    def get_queryset(self):
        status = self.request.query_params.get("status") if self.action == "list" else None
        return providers_for_coordinator(user=self.request.user, status=status or None)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        exchanges = list(exchanges_for_coordinator(user=request.user))
        slug = data.pop("exchange_slug", None)
        if slug:
            exchange = next((e for e in exchanges if e.slug == slug), None)
            if exchange is None:
                raise ValidationError({"exchange_slug": ["Diese Börse koordinieren Sie nicht."]})
        elif len(exchanges) == 1:
            exchange = exchanges[0]
        else:
            raise ValidationError({"exchange_slug": ["Bitte die Börse angeben."]})
        data["postcode"] = data.pop("postcode_id")
        provider = provider_create_by_coordinator(exchange=exchange, by=request.user, data=data)
        return Response(self.get_serializer(provider).data, status=201)

    @extend_schema(request=VetSerializer, responses={200: CoordinatorProviderSerializer})
    @action(detail=True, methods=["post"])
    def vet(self, request, pk=None):
        provider = self.get_object()
        serializer = VetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        provider = provider_vet(profile=provider, by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(provider).data)
