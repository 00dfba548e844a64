"""The operator's tools: exchanges with their policy, service area, categories, holidays and
coordinators. Coordinators work in their own console, not here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import (
    Category,
    CoordinatorMembership,
    Exchange,
    Incident,
    Job,
    Policy,
    Postcode,
    ProviderProfile,
    SchoolHoliday,
    TeenProfile,
)
from .services.exchanges import exchange_set_postcodes


class PolicyInline(admin.StackedInline):
    model = Policy
    can_delete = False


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class SchoolHolidayInline(admin.TabularInline):
    model = SchoolHoliday
    extra = 0


class MembershipInline(admin.TabularInline):
    model = CoordinatorMembership
    extra = 0
    autocomplete_fields = ["user"]


class ExchangeForm(forms.ModelForm):
    postcode_list = forms.CharField(
        label=_("Postleitzahlen des Einzugsgebiets"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Durch Komma oder Leerzeichen getrennt, z. B. 52349, 52351"),
    )

    class Meta:
        model = Exchange
        fields = ["name", "slug", "contact_email", "contact_phone", "address", "office_hours"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["postcode_list"].initial = ", ".join(
                self.instance.service_areas.values_list("postcode_id", flat=True).order_by("postcode_id"))

    def clean_postcode_list(self):
        raw = self.cleaned_data["postcode_list"].replace(",", " ").split()
        return raw


@admin.register(Exchange)
class ExchangeAdmin(admin.ModelAdmin):
    form = ExchangeForm
    list_display = ["name", "slug", "contact_email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PolicyInline, CategoryInline, SchoolHolidayInline, MembershipInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        try:
            exchange_set_postcodes(exchange=obj, postcodes=form.cleaned_data["postcode_list"])
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level="error")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        Policy.objects.get_or_create(exchange=form.instance)


@admin.register(Postcode)
class PostcodeAdmin(admin.ModelAdmin):
    list_display = ["code", "place", "community", "state"]
    search_fields = ["code", "place", "community"]


@admin.register(TeenProfile)
class TeenProfileAdmin(admin.ModelAdmin):
    """For the operator's overview only; decisions are made in the coordinator console."""

    list_display = ["id", "exchange", "status", "status_changed_at"]
    list_filter = ["status", "exchange"]
    readonly_fields = [f.name for f in TeenProfile._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = ["id", "exchange", "status", "contact_preference"]
    list_filter = ["status", "exchange"]
    readonly_fields = [f.name for f in ProviderProfile._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """For the operator's overview; jobs are handled by coordinators in their console."""

    list_display = ["id", "title", "exchange", "category", "status", "starts_at", "window_start",
                    "helpers_accepted", "helpers_needed"]
    list_filter = ["status", "exchange", "category__slug"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["id", "exchange", "status", "created_at"]
    list_filter = ["status", "exchange"]
    readonly_fields = [f.name for f in Incident._meta.fields]

    def has_add_permission(self, request):
        return False
