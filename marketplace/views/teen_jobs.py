# Placeholder until the web views of the marketplace issue are written (work in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


feed = _missing
job_detail = _missing
applications = _missing
withdraw = _missing
assignments = _missing
calendar = _missing
