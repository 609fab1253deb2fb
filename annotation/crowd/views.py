"""The participant's way in (a crowd platform's link) and out (the completion code), and the
researcher's form for the link."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotation.access import get_study_for_researcher, researcher_required
from annotation.crowd.joining import (
    PARAMS,
    JoinRefused,
    check_join_params,
    check_link,
    do_finish,
    do_join,
    do_save_link,
    open_link,
    participant_of,
)
from annotation.labeling.queue import claim_next
from annotation.users import User
from annotation.web.markdown import render_markdown

CODE = r"\A[A-Za-z0-9_-]{1,64}\Z"


def _refuse(request: HttpRequest, title: str, problems: list[str], status: int) -> HttpResponse:
    return render(request, "annotation/join.html", {"title": title, "problems": problems}, status=status)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    """GET: who they are and what the study asks, with a Start button. POST: enrol and go to work."""
    link = open_link(token)
    if link is None:
        return _refuse(request, "This study is not taking participants", ["The link is closed or unknown."], 404)
    source = request.POST if request.method == "POST" else request.GET
    join_request, problems = check_join_params({name: source.get(name, "") for name in PARAMS.values()})
    if join_request is None:
        return _refuse(request, "This link is incomplete", [*problems, "Open the study from Prolific again."], 400)
    study = link.study
    if request.method == "GET":
        context = {
            "study": study,
            "link": link,
            "join": join_request,
            "instructions": render_markdown(study.instructions) if study.instructions else "",
        }
        return render(request, "annotation/join.html", context)
    try:
        user = do_join(link, join_request)
    except JoinRefused as exc:
        return _refuse(request, "You cannot join again", [str(exc)], 403)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return next_or_finish(request, user)


def next_or_finish(request: HttpRequest, user: User) -> HttpResponse:
    task = claim_next(user)
    if task is not None:
        return redirect("task", pk=task.pk)
    return redirect("join-done")


@require_http_methods(["GET"])
def done(request: HttpRequest) -> HttpResponse:
    user = request.user
    participant = participant_of(user) if isinstance(user, User) else None
    if participant is None:
        return _refuse(request, "Nothing to finish here", ["This page is for participants from a crowd platform."], 404)
    assert isinstance(user, User)
    task = claim_next(user)
    if task is not None:  # work is left: finishing early is the platform's "return", not ours
        return redirect("task", pk=task.pk)
    finish = do_finish(participant)
    return render(request, "annotation/join_done.html", {"finish": finish, "study": participant.study})


class LinkForm(forms.Form):
    completion_code = forms.RegexField(regex=CODE, max_length=64, help_text="Prolific's completion code.")
    screenout_code = forms.RegexField(
        regex=CODE, max_length=64, required=False, help_text="For participants who fail the qualification."
    )
    open = forms.BooleanField(required=False, initial=True, help_text="Accept new participants.")


@researcher_required
@require_POST
def study_link(request: HttpRequest, pk: int) -> HttpResponse:
    study = get_study_for_researcher(request, pk)
    problems = check_link(study)
    form = LinkForm(request.POST)
    if not form.is_valid():
        problems += [f"{field}: {' '.join(str(e) for e in errors)}" for field, errors in form.errors.items()]
    if problems:
        messages.error(request, "Link not saved. " + " ".join(problems))
    else:
        data = form.cleaned_data
        do_save_link(study, data["completion_code"], data["screenout_code"], data["open"])
        messages.success(request, "Crowd link saved.")
    return redirect(reverse("study-detail", args=[study.pk]) + "#crowd")
