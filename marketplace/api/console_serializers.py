"""Output of the console's API (issue 6): the statistics of the annual report. Read-only; the
figures come from `selectors.stats` through the very list the page and the CSV use
(`selectors.stats.KEY_FIGURES`), so that the three cannot disagree.

Decimals are strings, as everywhere in the API (`hourly_rate`): "55.6", not 55.6.
"""

from rest_framework import serializers


class MonthRowSerializer(serializers.Serializer):
    month = serializers.CharField(source="key", help_text="YYYY-MM, by the month the jobs were posted.")
    jobs_posted = serializers.IntegerField()
    jobs_done = serializers.IntegerField()


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.CharField(source="key", help_text="Category slug.")
    name = serializers.CharField(source="label")
    jobs_posted = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    assignments_done = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)


class MunicipalityRowSerializer(serializers.Serializer):
    municipality = serializers.CharField(source="key", help_text="The place of the job's postcode.")
    jobs_posted = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    assignments_done = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)


class AgeClassRowSerializer(serializers.Serializer):
    age_class = serializers.ChoiceField(source="key", choices=["child", "youth", "adult", "unknown"],
                                        help_text="On the day of the job (JArbSchG); 'unknown' only when it occurs.")
    label = serializers.CharField()
    assignments_done = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)
    teens = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    """The figures of the exchanges in `exchanges` together, for the period [start, end]."""

    start = serializers.DateField()
    end = serializers.DateField(help_text="Included.")
    exchanges = serializers.ListField(child=serializers.IntegerField(), help_text="The exchange ids counted.")
    new_teens = serializers.IntegerField()
    new_providers = serializers.IntegerField()
    jobs_posted = serializers.IntegerField(help_text="Created in the period and submitted (no drafts).")
    jobs_filled = serializers.IntegerField()
    jobs_done = serializers.IntegerField()
    jobs_cancelled = serializers.IntegerField()
    jobs_expired = serializers.IntegerField()
    jobs_rejected = serializers.IntegerField()
    jobs_open = serializers.IntegerField(help_text="In review or published, today.")
    fill_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True,
                                         help_text="Percent of the posted jobs without the rejected ones; "
                                                   "null when there are none.")
    median_hours_to_fill = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True,
                                                    help_text="From publication to filled; null when none was.")
    assignments_done = serializers.IntegerField(help_text="Done, started in the period.")
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)
    amount_paid = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="Euros, paid in cash.")
    active_teens = serializers.IntegerField(help_text="Different teens with a job done in the period.")
    active_teens_today = serializers.IntegerField(help_text="Teens whose status is active now.")
    by_month = MonthRowSerializer(many=True)
    by_category = CategoryRowSerializer(many=True)
    by_municipality = MunicipalityRowSerializer(many=True)
    by_age_class = AgeClassRowSerializer(many=True)
