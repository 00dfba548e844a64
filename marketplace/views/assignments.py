# Placeholder until the web views of the marketplace issue are written (work in progress).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


complete = _missing
no_show = _missing
cancel = _missing
feedback = _missing
incident = _missing
request_again = _missing
