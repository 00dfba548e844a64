"""factory_boy factories. Profiles are built through the services where a rule is involved
(see `make_active_teen`), so tests exercise the same path as users."""

from datetime import date, time

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import Role, User
from marketplace.models import (
    AvailabilitySlot,
    Postcode,
    ProviderProfile,
    ProviderStatus,
    TeenProfile,
    TeenStatus,
)
from marketplace.services.exchanges import coordinator_create, exchange_create

PASSWORD = "ein-sicheres-Passwort-123"


class PostcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Postcode
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"{52000 + n:05d}")
    place = "Düren"
    community = "Kreis Düren"
    community_code = "05358"
    state = "Nordrhein-Westfalen"
    latitude = 50.8
    longitude = 6.48


class ExchangeFactory(factory.Factory):
    """Exchanges come with their policy and default categories, so use the service."""

    class Meta:
        model = dict

    name = factory.Sequence(lambda n: f"Taschengeldbörse {n}")
    slug = factory.Sequence(lambda n: f"boerse-{n}")
    postcodes = factory.LazyFunction(list)

    @classmethod
    def _create(cls, model_class, **kwargs):
        return exchange_create(**kwargs)

    _build = _create


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    role = Role.TEEN
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=True, primary=True)


def years_ago(years: int, today: date | None = None) -> date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def make_teen(exchange, *, age=16, status=TeenStatus.ACTIVE, postcode="52349",
              in_compulsory_school=True, first_name="Lena", email=None, **fields) -> TeenProfile:
    """A teen with a complete profile in `status`, written directly (no consent e-mails)."""
    user = UserFactory(role=Role.TEEN, **({"email": email} if email else {}))
    teen = TeenProfile.objects.create(
        user=user, exchange=exchange, first_name=first_name, last_name="Beispiel",
        birth_date=years_ago(age) - timezone.timedelta(days=30), in_compulsory_school=in_compulsory_school,
        postcode_id=postcode, parent_name="Eva Beispiel" if age < 18 else "",
        parent_email="eltern@example.org" if age < 18 else "", status=status, **fields,
    )
    AvailabilitySlot.objects.create(teen=teen, weekday=5, start=time(10), end=time(16))
    return teen


def make_provider(exchange, *, status=ProviderStatus.ACTIVE, postcode="52349", email=None,
                  first_name="Hildegard") -> ProviderProfile:
    user = UserFactory(role=Role.PROVIDER, **({"email": email} if email else {}))
    return ProviderProfile.objects.create(
        user=user, exchange=exchange, first_name=first_name, last_name="Muster",
        street="Kölnstraße 1", postcode_id=postcode, city="Düren", phone="02421 123456",
        contact_preference="email", private_person_confirmed=True, status=status,
    )


def make_coordinator(*exchanges, email=None, can_manage_settings: bool = False) -> User:
    user = coordinator_create(
        email=email or f"koordination{User.objects.count()}@example.org", password=PASSWORD,
        exchanges=list(exchanges), can_manage_settings=can_manage_settings,
    )
    return user
