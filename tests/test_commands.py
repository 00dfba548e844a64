"""The management commands: import_postcodes, seed_demo, create_coordinator, apply_retention."""

import csv
import io
import time
from datetime import timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditEntry, Role, User
from accounts.services import audit_log
from marketplace.models import (
    AvailabilitySlot,
    Category,
    CoordinatorMembership,
    Exchange,
    ParentalConsent,
    Postcode,
    ProviderProfile,
    ProviderStatus,
    ServiceArea,
    TeenProfile,
    TeenStatus,
)

from .factories import make_coordinator, make_teen

HEADER = ("country_code,zipcode,place,state,state_code,province,province_code,community,"
          "community_code,latitude,longitude")
GERMAN_FILE = Path(settings.BASE_DIR).parent / "shared" / "data" / "postcodes-de.csv"


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **options)
    return out.getvalue()


def write_csv(tmp_path, lines, header=HEADER) -> Path:
    path = tmp_path / "postcodes.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def row(code, place, lat, lon, community="Düren", community_code="05358"):
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(
        ["DE", code, place, "Nordrhein-Westfalen", "NW", "Regierungsbezirk Köln", "053", community,
         community_code, lat, lon])
    return line.getvalue()


# --- import_postcodes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_postcodes_keeps_one_centroid_per_postcode_from_its_public_places(tmp_path):
    path = write_csv(tmp_path, [
        row("52399", "Merzenich", 50.80, 6.50),
        row("52399", "Girbelsrath", 50.84, 6.56),
        # A firm with its own delivery point does not pull the village centroid away.
        row("52399", "Muster Logistik GmbH", 51.90, 7.90),
        row("52349", "Düren", 50.8009, 6.4788),
    ])

    output = run("import_postcodes", str(path))

    assert "2 Postleitzahlen importiert" in output
    merzenich = Postcode.objects.get(code="52399")
    assert merzenich.place == "Merzenich"
    assert merzenich.latitude == pytest.approx(50.82)
    assert merzenich.longitude == pytest.approx(6.53)
    assert merzenich.community == "Düren"
    assert merzenich.community_code == "05358"
    assert merzenich.state == "Nordrhein-Westfalen"


@pytest.mark.django_db
def test_a_postcode_of_firms_only_gets_the_median_of_their_points(tmp_path):
    # "Großkunden" codes sometimes list branches all over Germany; the median stays where
    # most of them are instead of landing in between.
    path = write_csv(tmp_path, [
        row("10875", "Alpha GmbH", 52.50, 13.37, "Berlin, Stadt", "11000"),
        row("10875", "Beta AG", 52.51, 13.38, "Berlin, Stadt", "11000"),
        row("10875", "Gamma GmbH & Co. KG", 48.78, 9.18, "Stadtkreis Stuttgart", "08111"),
    ])

    run("import_postcodes", str(path))

    firms = Postcode.objects.get(code="10875")
    assert firms.latitude == pytest.approx(52.50)
    assert firms.longitude == pytest.approx(13.37)
    assert firms.community == "Berlin, Stadt"
    assert firms.community_code == "11000"


@pytest.mark.django_db
def test_running_the_import_again_updates_the_rows_and_never_duplicates_them(tmp_path):
    run("import_postcodes", str(write_csv(tmp_path, [row("52349", "Dueren", 50.0, 6.0)])))
    path = write_csv(tmp_path, [row("52349", "Düren", 50.8009, 6.4788),
                                row("52372", "Kreuzau", 50.747, 6.4907)])

    output = run("import_postcodes", str(path))

    assert "1 neu, 1 aktualisiert" in output
    assert Postcode.objects.count() == 2
    dueren = Postcode.objects.get(code="52349")
    assert (dueren.place, dueren.latitude, dueren.longitude) == ("Düren", 50.8009, 6.4788)


@pytest.mark.django_db
def test_a_file_with_a_wrong_header_is_refused_and_the_missing_columns_are_named(tmp_path):
    path = write_csv(tmp_path, ["52349;Düren;50.8;6.4"], header="zipcode;place;lat;lon")

    with pytest.raises(CommandError, match="latitude, longitude"):
        run("import_postcodes", str(path))
    assert not Postcode.objects.exists()


@pytest.mark.django_db
def test_a_missing_file_is_refused_with_its_name(tmp_path):
    with pytest.raises(CommandError, match="nicht gefunden.*gibt-es-nicht.csv"):
        run("import_postcodes", str(tmp_path / "gibt-es-nicht.csv"))


@pytest.mark.django_db
def test_a_malformed_line_stops_the_import_before_anything_is_stored(tmp_path):
    path = write_csv(tmp_path, [row("52349", "Düren", 50.8, 6.4), row("5234", "Kaputt", 50.8, 6.4)])

    with pytest.raises(CommandError, match="Zeile 3"):
        run("import_postcodes", str(path))
    assert not Postcode.objects.exists()


@pytest.mark.django_db
def test_the_whole_german_file_imports_in_seconds_with_one_row_per_postcode():
    if not GERMAN_FILE.is_file():
        pytest.skip(f"NOTICE: {GERMAN_FILE} is absent; the full import is not tested")
    codes = {line.split(",")[1] for line in GERMAN_FILE.read_text(encoding="utf-8").splitlines()[1:]}

    started = time.monotonic()
    run("import_postcodes", str(GERMAN_FILE))
    elapsed = time.monotonic() - started

    assert Postcode.objects.count() == len(codes) == 10814
    dueren = Postcode.objects.get(code="52349")
    assert dueren.place == "Düren"
    assert dueren.latitude == pytest.approx(50.8009, abs=0.001)
    assert dueren.longitude == pytest.approx(6.4788, abs=0.001)
    assert elapsed < 30


# --- seed_demo --------------------------------------------------------------------------------


def demo_counts() -> dict:
    models = [User, EmailAddress, Exchange, Postcode, ServiceArea, Category, CoordinatorMembership,
              TeenProfile, AvailabilitySlot, ParentalConsent, ProviderProfile, AuditEntry]
    return {m.__name__: m.objects.count() for m in models}


@pytest.mark.django_db
def test_seed_demo_run_twice_changes_nothing(settings):
    settings.DEBUG = True
    run("seed_demo")
    first = demo_counts()
    password_hashes = dict(User.objects.values_list("email", "password"))

    output = run("seed_demo")

    assert demo_counts() == first
    assert dict(User.objects.values_list("email", "password")) == password_hashes
    assert "koordination@demo.taschengeld.de" in output


@pytest.mark.django_db
def test_seed_demo_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        run("seed_demo")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_seed_demo_loads_the_kreis_dueren_exchange_with_the_18_postcodes_of_the_design(settings):
    settings.DEBUG = True

    run("seed_demo")

    exchange = Exchange.objects.get(slug="kreis-dueren")
    assert exchange.name == "Taschengeldbörse Kreis Düren"
    assert exchange.office_hours and exchange.contact_email and exchange.contact_phone
    assert exchange.postcodes.count() == 18
    assert Postcode.objects.get(code="52385").latitude == pytest.approx(50.6927)
    assert Postcode.objects.get(code="52441").longitude == pytest.approx(6.2705)
    assert exchange.categories.count() > 0


@pytest.mark.django_db
def test_seed_demo_teens_cover_every_legal_class_and_are_active_with_consent(settings):
    settings.DEBUG = True

    run("seed_demo")

    teens = list(TeenProfile.objects.filter(exchange__slug="kreis-dueren"))
    classes = {(t.age == 14, 15 <= t.age <= 17 and t.in_compulsory_school,
                15 <= t.age <= 17 and not t.in_compulsory_school, 18 <= t.age <= 20) for t in teens}
    assert classes == {(True, False, False, False), (False, True, False, False),
                       (False, False, True, False), (False, False, False, True)}
    for teen in teens:
        assert teen.status == TeenStatus.ACTIVE
        assert teen.intake_on is not None
        assert teen.availability.exists()
        assert teen.interests.exists()
        if teen.is_minor:
            assert teen.consents.filter(given_at__isnull=False, participation=True,
                                        data_processing=True).exists()


@pytest.mark.django_db
def test_seed_demo_logins_use_the_demo_password_and_verified_addresses(settings, client):
    settings.DEBUG = True

    run("seed_demo")

    coordinator = User.objects.get(email="koordination@demo.taschengeld.de")
    assert coordinator.role == Role.COORDINATOR
    assert coordinator.memberships.filter(exchange__slug="kreis-dueren").exists()
    for user in User.objects.all():
        assert user.check_password(settings.DEMO_PASSWORD), user.email
        assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()
    assert client.login(email="mia.becker@demo.taschengeld.de", password=settings.DEMO_PASSWORD)


@pytest.mark.django_db
def test_seed_demo_has_three_active_providers_one_reached_only_by_phone(settings):
    settings.DEBUG = True

    run("seed_demo")

    providers = ProviderProfile.objects.filter(exchange__slug="kreis-dueren")
    assert providers.count() == 3
    assert set(providers.values_list("status", flat=True)) == {ProviderStatus.ACTIVE}
    by_phone = providers.get(user__isnull=True)
    assert by_phone.contact_preference == "phone"
    assert by_phone.phone
    assert providers.filter(user__isnull=False, contact_preference="email").exists()


# --- create_coordinator -----------------------------------------------------------------------


@pytest.mark.django_db
def test_create_coordinator_creates_a_verified_coordinator_of_several_exchanges(exchange, other_exchange):
    output = run("create_coordinator", "--email", "Neu@Example.org", "--exchange", "kreis-dueren",
                 "--exchange", "aachen", "--password", "ein-langes-Passwort-42")

    user = User.objects.get(email="neu@example.org")
    assert user.role == Role.COORDINATOR
    assert user.check_password("ein-langes-Passwort-42")
    assert set(user.memberships.values_list("exchange__slug", flat=True)) == {"kreis-dueren", "aachen"}
    assert EmailAddress.objects.get(user=user).verified
    assert "neu@example.org" in output


@pytest.mark.django_db
def test_create_coordinator_gives_and_takes_the_settings_right_only_when_asked(exchange):
    def right():
        return user.memberships.get(exchange=exchange).can_manage_settings

    run("create_coordinator", "--email", "leitung@example.org", "--exchange", "kreis-dueren",
        "--password", "ein-langes-Passwort-42", "--settings-right")
    user = User.objects.get(email="leitung@example.org")
    assert right() is True
    # Adding her again without the flag leaves the right as it is ...
    run("create_coordinator", "--email", "leitung@example.org", "--exchange", "kreis-dueren")
    assert right() is True
    # ... and --no-settings-right takes it away, on the record.
    run("create_coordinator", "--email", "leitung@example.org", "--exchange", "kreis-dueren", "--no-settings-right")
    assert right() is False
    assert AuditEntry.objects.filter(action="marketplace.coordinator.settings_right_changed",
                                     subject_user_id=user.pk).count() == 1


@pytest.mark.django_db
def test_create_coordinator_refuses_an_unknown_exchange(exchange):
    with pytest.raises(CommandError, match="Unbekannte Börse: gibt-es-nicht"):
        run("create_coordinator", "--email", "k@example.org", "--exchange", "gibt-es-nicht",
            "--password", "ein-langes-Passwort-42")
    assert not User.objects.filter(email="k@example.org").exists()


@pytest.mark.django_db
def test_create_coordinator_refuses_a_weak_password(exchange):
    with pytest.raises(CommandError):
        run("create_coordinator", "--email", "k@example.org", "--exchange", "kreis-dueren",
            "--password", "123")
    assert not User.objects.filter(email="k@example.org").exists()


@pytest.mark.django_db
def test_create_coordinator_without_password_fails_when_nobody_can_type_one(exchange, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    with pytest.raises(CommandError, match="--password"):
        run("create_coordinator", "--email", "k@example.org", "--exchange", "kreis-dueren")
    assert not User.objects.filter(email="k@example.org").exists()


@pytest.mark.django_db
def test_create_coordinator_asks_for_the_password_at_a_terminal(exchange, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("sys.stdin", Terminal(""))
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "am-Terminal-getippt-7")

    run("create_coordinator", "--email", "k@example.org", "--exchange", "kreis-dueren")

    assert User.objects.get(email="k@example.org").check_password("am-Terminal-getippt-7")


@pytest.mark.django_db
def test_create_coordinator_adds_an_exchange_to_an_existing_coordinator_without_a_password(
    exchange, other_exchange, monkeypatch
):
    coordinator = make_coordinator(exchange, email="k@example.org")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))

    run("create_coordinator", "--email", "k@example.org", "--exchange", "aachen")

    assert set(coordinator.memberships.values_list("exchange__slug", flat=True)) == {"kreis-dueren", "aachen"}


@pytest.mark.django_db
def test_create_coordinator_refuses_an_account_of_another_role(exchange):
    teen = make_teen(exchange, email="teen@example.org")

    with pytest.raises(CommandError, match="anderen Rolle"):
        run("create_coordinator", "--email", "teen@example.org", "--exchange", "kreis-dueren",
            "--password", "ein-langes-Passwort-42")
    teen.user.refresh_from_db()
    assert teen.user.role == Role.TEEN


# --- apply_retention --------------------------------------------------------------------------


@pytest.mark.django_db
def test_apply_retention_anonymises_a_teen_past_the_upper_age_and_keeps_her_history(exchange):
    coordinator = make_coordinator(exchange)
    aged = make_teen(exchange, age=21, first_name="Alt", email="alt@example.org")
    # A coordinator's decision refers to her: her record must stay, without personal data.
    audit_log(actor=coordinator, action="marketplace.teen.activated", target=aged,
              exchange_id=exchange.pk, subject_user_id=aged.user_id)

    output = run("apply_retention")

    assert "Altersgrenze überschritten: 1" in output
    aged.refresh_from_db()
    aged.user.refresh_from_db()
    assert aged.status == TeenStatus.AGED_OUT
    assert aged.first_name != "Alt" and aged.birth_date is None
    assert aged.user.anonymised_at is not None
    assert not aged.user.is_active
    assert not User.objects.filter(email="alt@example.org").exists()


@pytest.mark.django_db
def test_apply_retention_deletes_an_account_inactive_longer_than_the_policy_allows(exchange):
    inactive = make_teen(exchange, age=16, email="weg@example.org")
    long_ago = timezone.now() - timedelta(days=exchange.policy.inactivity_anonymise_after_days + 1)
    User.objects.filter(pk=inactive.user_id).update(last_login=long_ago, date_joined=long_ago)

    output = run("apply_retention")

    assert "inaktive Jugendliche: 1" in output
    assert not User.objects.filter(email="weg@example.org").exists()
    assert not TeenProfile.objects.filter(pk=inactive.pk).exists()


@pytest.mark.django_db
def test_apply_retention_leaves_an_active_young_teen_alone(exchange):
    young = make_teen(exchange, age=15, email="jung@example.org", first_name="Jung")
    User.objects.filter(pk=young.user_id).update(last_login=timezone.now() - timedelta(days=3))

    output = run("apply_retention")

    assert "Altersgrenze überschritten: 0, inaktive Jugendliche: 0" in output
    young.refresh_from_db()
    assert young.status == TeenStatus.ACTIVE
    assert young.first_name == "Jung"
    assert User.objects.get(pk=young.user_id).email == "jung@example.org"



def test_the_demo_has_an_open_job_of_every_category_and_a_feed_for_every_teen(db, settings):
    from django.core.management import call_command

    from marketplace.models import Category, Job, JobStatus, TeenProfile
    from marketplace.selectors import feed_for_teen

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    open_categories = set(Job.objects.filter(status=JobStatus.OPEN).values_list("category__slug", flat=True))
    assert open_categories == set(Category.objects.values_list("slug", flat=True))
    assert Job.objects.count() == len(open_categories)  # the second run added nothing
    for teen in TeenProfile.objects.all():
        assert feed_for_teen(teen=teen), teen.first_name
