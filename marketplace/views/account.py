# Placeholder until the web views are written (work in progress in this session).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


dashboard = _missing
data_overview = _missing
data_export = _missing
delete = _missing
