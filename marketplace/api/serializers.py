"""Serializers parse and render; the rules are in the services. Input serializers turn JSON into
the plain values the services take, output serializers name fields as DESIGN section 10 does."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Language

from ..models import (
    Category,
    ContactPreference,
    ParentalConsent,
    ProviderProfile,
)
from ..services.teens import Period, Slot, current_consent, teen_missing_requirements


class WholeItemMixin:
    """PATCH is partial, and DRF passes that on to the items of nested lists; an item of the
    availability or the absences must still be whole."""

    def validate(self, attrs):
        missing = [name for name, field in self.fields.items() if not field.read_only and name not in attrs]
        if missing:
            raise serializers.ValidationError({name: [_("Dieses Feld ist erforderlich.")] for name in missing})
        return attrs


class SlotSerializer(WholeItemMixin, serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6,
                                       help_text="0 = Monday … 6 = Sunday")
    start = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])
    end = serializers.TimeField(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"])


class PeriodSerializer(WholeItemMixin, serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()


class SlugListField(serializers.ListField):
    """A list of category slugs; reads them from the related manager."""

    child = serializers.SlugField()

    def to_representation(self, data):
        if hasattr(data, "all"):
            return sorted(c.slug for c in data.all())
        return super().to_representation(data)


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name", "min_age", "light_work_for_children", "not_allowed"]


class AccountFieldsMixin(serializers.Serializer):
    id = serializers.IntegerField(source="user.id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    role = serializers.CharField(source="user.role", read_only=True)
    language = serializers.ChoiceField(source="user.language", choices=Language.choices, required=False)


class TeenProfileSerializer(AccountFieldsMixin, serializers.Serializer):
    """The teen's own profile (GET/PATCH /api/v1/me/)."""

    first_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    in_compulsory_school = serializers.BooleanField(required=False)
    postcode = serializers.CharField(source="postcode_id", max_length=5, required=False, allow_null=True)
    radius_km = serializers.IntegerField(min_value=1, max_value=25, required=False)
    interests = SlugListField(required=False)
    availability = SlotSerializer(many=True, required=False)
    absences = PeriodSerializer(many=True, required=False)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    parent_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    parent_email = serializers.EmailField(required=False, allow_blank=True)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    status_reason = serializers.CharField(read_only=True)
    exchange = serializers.SerializerMethodField()

    def get_exchange(self, profile) -> str | None:
        return profile.exchange.slug if profile.exchange_id else None

    def to_service_data(self) -> dict:
        """Validated input → the keyword data of `teen_profile_update`."""
        v = dict(self.validated_data)
        v.pop("user", None)
        if "postcode_id" in v:
            v["postcode"] = v.pop("postcode_id") or ""
        if "availability" in v:
            v["availability"] = [Slot(**s) for s in v["availability"]]
        if "absences" in v:
            v["absences"] = [Period(**p) for p in v["absences"]]
        return v


class ProviderProfileSerializer(AccountFieldsMixin, serializers.Serializer):
    """The provider's own profile (GET/PATCH /api/v1/me/)."""

    first_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    street = serializers.CharField(max_length=120, required=False, allow_blank=True)
    postcode = serializers.CharField(source="postcode_id", max_length=5, required=False, allow_null=True)
    city = serializers.CharField(max_length=80, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    contact_preference = serializers.ChoiceField(choices=ContactPreference.choices, required=False)
    private_person_confirmed = serializers.BooleanField(required=False)
    status = serializers.CharField(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    exchange = serializers.SerializerMethodField()

    def get_exchange(self, profile) -> str | None:
        return profile.exchange.slug if profile.exchange_id else None

    def to_service_data(self) -> dict:
        v = dict(self.validated_data)
        v.pop("user", None)
        if "postcode_id" in v:
            v["postcode"] = v.pop("postcode_id") or ""
        return v


class CoordinatorMeSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    role = serializers.CharField(read_only=True)
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    exchanges = serializers.SerializerMethodField()

    def get_exchanges(self, user) -> list[dict]:
        return [{"slug": e.slug, "name": e.name} for e in user.coordinated_exchanges.all()]


class ConsentSerializer(serializers.ModelSerializer):
    valid = serializers.BooleanField(source="is_valid", read_only=True)

    class Meta:
        model = ParentalConsent
        fields = ["id", "method", "parent_name", "parent_email", "requested_at", "expires_at",
                  "given_at", "signed_name", "revoked_at", "valid"]


class CoordinatorTeenSerializer(TeenProfileSerializer):
    """A teen as her coordinators see her: the whole profile, the verification facts, the
    consents and what still stands between her and activation."""

    id = serializers.IntegerField(read_only=True)
    user_id = serializers.IntegerField(read_only=True)
    age = serializers.IntegerField(read_only=True)
    intake_on = serializers.DateField(read_only=True)
    insurance_confirmed_on = serializers.DateField(read_only=True)
    police_certificate_inspected_on = serializers.DateField(read_only=True)
    police_certificate_dated = serializers.DateField(read_only=True)
    police_certificate_clean = serializers.BooleanField(read_only=True)
    status_changed_at = serializers.DateTimeField(read_only=True)
    consents = ConsentSerializer(many=True, read_only=True)
    consent_given = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()

    def get_consent_given(self, teen) -> bool:
        return not teen.is_minor or current_consent(teen) is not None

    def get_missing(self, teen) -> dict[str, list[str]]:
        if teen.exchange_id is None:
            return {"postcode": [str(_("Es fehlt die Postleitzahl."))]}
        return teen_missing_requirements(teen=teen, policy=teen.exchange.policy)


class VerifySerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["activate", "pause", "suspend"])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    intake_on = serializers.DateField(required=False, allow_null=True, default=None)
    paper_consent = serializers.BooleanField(required=False, default=False)
    insurance_confirmed_on = serializers.DateField(required=False, allow_null=True, default=None)
    police_certificate_inspected_on = serializers.DateField(required=False, allow_null=True, default=None)
    police_certificate_dated = serializers.DateField(required=False, allow_null=True, default=None)
    police_certificate_clean = serializers.BooleanField(required=False, allow_null=True, default=None)


class CoordinatorProviderSerializer(serializers.ModelSerializer):
    """A provider as her coordinators see her, and the intake after a phone call (POST)."""

    postcode = serializers.CharField(source="postcode_id", max_length=5)
    email = serializers.EmailField(required=False, allow_blank=True,
                                   help_text="With an address the provider is invited to an account.")
    exchange = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    exchange_slug = serializers.SlugField(write_only=True, required=False,
                                          help_text="Needed when the coordinator has several exchanges.")
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = ProviderProfile
        fields = ["id", "first_name", "last_name", "street", "postcode", "city", "phone", "email",
                  "contact_preference", "status", "status_reason", "exchange", "exchange_slug",
                  "has_account", "notes", "created_at", "vetted_at"]
        read_only_fields = ["status", "status_reason", "created_at", "vetted_at"]

    def get_has_account(self, provider) -> bool:
        return provider.user_id is not None

    def to_representation(self, provider):
        data = super().to_representation(provider)
        data["email"] = provider.contact_email
        return data


class VetSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["activate", "suspend"])
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
