# Placeholder until the web views of the marketplace issue are written (work in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


job_list = _missing
job_new = _missing
job_detail = _missing
job_approve = _missing
job_reject = _missing
assign = _missing
proposal = _missing
