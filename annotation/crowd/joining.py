"""Joining a study from a crowd platform's link, and leaving it with a completion code.

A participant gets a contractor account of their own for this one study (no password: the link,
its token and their session id are what let them back in), is enrolled, and reaches only their
own tasks of that study, as any contractor does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from annotation.crowd.models import Outcome, Participant, Platform, StudyLink
from annotation.quality.models import Standing
from annotation.studies.enrolment import do_enrol
from annotation.studies.models import Assignment, AssignmentStatus, Purpose, Study, StudyStatus
from annotation.users import Role, User

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
PARAMS = {"participant_id": "PROLIFIC_PID", "external_study_id": "STUDY_ID", "session_id": "SESSION_ID"}


class JoinRefused(Exception):
    pass


@dataclass(frozen=True)
class JoinRequest:
    participant_id: str
    external_study_id: str
    session_id: str


def check_join_params(params: dict[str, str]) -> tuple[JoinRequest | None, list[str]]:
    """Prolific's URL parameters, each named in the problem when missing or malformed."""
    problems, values = [], {}
    for field, name in PARAMS.items():
        value = params.get(name, "").strip()
        if not value and field == "external_study_id":
            values[field] = ""
        elif not _ID.fullmatch(value):
            problems.append(f"{name}: {'missing' if not value else 'expected 1-64 letters, digits, - or _'}")
        else:
            values[field] = value
    return (None, problems) if problems else (JoinRequest(**values), [])


def open_link(token: str) -> StudyLink | None:
    link = StudyLink.objects.select_related("study").filter(token=token).first()
    if link is None or not link.open or link.study.status != StudyStatus.RUNNING:
        return None
    return link


def do_join(link: StudyLink, request: JoinRequest) -> User:
    """Find or make the participant's account and enrol it; refuse a known id coming from another session."""
    study = link.study
    with transaction.atomic():
        existing = (
            Participant.objects.select_related("user")
            .filter(study=study, platform=link.platform, participant_id=request.participant_id)
            .first()
        )
        if existing is not None:
            if not constant_time_compare(request.session_id, existing.session_id):
                raise JoinRefused("This participant already started the study in another session.")
            return existing.user
        user = _new_user(study, request.participant_id)
        try:
            with transaction.atomic():
                Participant.objects.create(
                    user=user,
                    study=study,
                    platform=link.platform,
                    participant_id=request.participant_id,
                    external_study_id=request.external_study_id,
                    session_id=request.session_id,
                )
        except IntegrityError as exc:  # the same participant's second tab, a moment earlier
            raise JoinRefused("This participant is joining already: reload the page.") from exc
        do_enrol(study, [user])
    return user


def _new_user(study: Study, participant_id: str) -> User:
    username = f"{Platform.PROLIFIC}-{study.pk}-{participant_id}"
    if User.objects.filter(username__iexact=username).exists():  # someone else's account: never taken over
        raise JoinRefused("An account with this participant's name exists already; ask the researcher.")
    user = User(username=username)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise JoinRefused("This participant is joining already: reload the page.") from exc
    user.groups.add(Group.objects.get(name=Role.CONTRACTOR))
    return user


@dataclass(frozen=True)
class Finish:
    outcome: str
    code: str
    return_url: str


def do_finish(participant: Participant) -> Finish:
    """The participant has nothing more to do: record how it ended and the code that goes back."""
    link = StudyLink.objects.get(study=participant.study_id)
    standing = Standing.objects.filter(study=participant.study_id, contractor=participant.user_id).first()
    submitted = Assignment.objects.filter(
        study=participant.study_id, contractor=participant.user_id, status=AssignmentStatus.SUBMITTED
    )
    if standing is not None and standing.qualified is False:
        outcome, code = Outcome.SCREENED_OUT, link.screenout_code
    elif standing is not None and standing.paused_at is not None:
        outcome, code = Outcome.HELD, ""  # the researcher looks at their checks and settles it on the platform
    elif submitted.filter(purpose=Purpose.TASK).exists():
        outcome, code = Outcome.COMPLETED, link.completion_code
    else:
        outcome, code = Outcome.NO_WORK, ""
    if participant.outcome == Outcome.WORKING:
        participant.outcome, participant.finished_at = outcome, timezone.now()
        participant.save(update_fields=("outcome", "finished_at"))
    url = settings.REDLINE_PROLIFIC_COMPLETE_URL.format(code=code) if code else ""
    return Finish(str(participant.outcome), code, url)


def participant_of(user: User) -> Participant | None:
    try:
        return user.participant
    except Participant.DoesNotExist:
        return None


def check_link(study: Study) -> list[str]:
    problems = []
    if not study.pooled:
        problems.append("Only a pooled study takes participants through a link: late joiners need a pool of tasks.")
    if study.status == StudyStatus.CLOSED:
        problems.append("The study is closed.")
    return problems


def do_save_link(study: Study, completion_code: str, screenout_code: str, is_open: bool) -> StudyLink:
    link, _ = StudyLink.objects.update_or_create(
        study=study,
        defaults={"completion_code": completion_code, "screenout_code": screenout_code, "open": is_open},
    )
    return link


def join_url(link: StudyLink, base: str) -> str:
    """The study URL to paste into Prolific: it fills in the participant's ids itself."""
    query = "&".join(f"{name}={{{{%{name}%}}}}" for name in PARAMS.values())
    return f"{base}?{query}"


def finish_url(user: User) -> str | None:
    """Where a participant goes when they have nothing left (None for everyone else)."""
    return reverse("join-done") if participant_of(user) is not None else None
