"""One way for a view to run a service action and say how it went.

    response = act(request, lambda: job_cancel(job=job, by=request.user, reason=...),
                   success=_("Der Auftrag ist abgesagt."), back=reverse("provider_job", args=[job.pk]),
                   form=form)
    if response:
        return response
    return render(...)  # the form again, with the service's errors on its fields
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from ..services.errors import Conflict


def act(request, call: Callable[[], object], *, success: str, back: str,
        form=None) -> HttpResponseRedirect | None:
    """Run the service `call`. With a `form`, its field errors go onto the form and None is
    returned (the page is shown again); without one they are not expected and propagate. A
    conflict or the success is a message on the page `back` (a URL or a URL name)."""
    try:
        call()
    except ValidationError as exc:
        if form is None:
            raise
        form.add_service_errors(exc)
        return None
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back)
