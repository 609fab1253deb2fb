from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from annotation.access import request_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if user.is_researcher:
        return redirect("dataset-list")
    if user.is_contractor:
        return redirect("queue")
    return render(request, "annotation/contractor_home.html")
