"""After a task ends (submitted or skipped), whatever its kind: straight to the next one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from annotation.access import request_user
from annotation.crowd.joining import finish_url
from annotation.labeling.queue import claim_next


def to_next_task(request: HttpRequest, done: str) -> HttpResponse:
    user = request_user(request)
    following = claim_next(user)
    if following is None and (finished := finish_url(user)) is not None:
        return redirect(finished)
    if following is None:
        messages.success(request, f"{done} That was your last task for now. Thank you!")
        return redirect(reverse("queue") + "?submitted=1")
    messages.success(request, f"{done} Here is your next task.")
    return redirect("task", pk=following.pk)
