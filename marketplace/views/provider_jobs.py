# Placeholder until the web views of the marketplace issue are written (work in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


job_new = _missing
job_list = _missing
job_detail = _missing
job_edit = _missing
job_cancel = _missing
application_accept = _missing
application_decline = _missing
