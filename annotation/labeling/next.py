"""After a task ends (submitted or skipped), whatever its kind: straight to the next one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from annotation.access import request_user
from annotation.labeling.queue import claim_next


def to_next_task(request: HttpRequest, done: str) -> HttpResponse:
    following = claim_next(request_user(request))
    if following is None:
        messages.success(request, f"{done} That was your last task for now. Thank you!")
        return redirect(reverse("queue") + "?submitted=1")
    messages.success(request, f"{done} Here is your next task.")
    return redirect("task", pk=following.pk)
