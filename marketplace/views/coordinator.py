# Placeholder until the web views are written (work in progress in this session).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


home = _missing
teen_list = _missing
teen_detail = _missing
provider_list = _missing
provider_create = _missing
provider_detail = _missing
