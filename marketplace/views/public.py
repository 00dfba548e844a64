# Placeholder until the web views are written (work in progress in this session).
from django.http import Http404


def _missing(request, *args, **kwargs):
    raise Http404


home = _missing
signup_teen = _missing
signup_provider = _missing
consent_give = _missing
consent_revoke = _missing
