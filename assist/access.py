"""Who may touch critics and runs. Pages and API ask these helpers; none decides on its own.

Critics are a shared library: every researcher may read them and run them. Only the researcher
who made a critic, or an admin, may change or delete it (its base URL decides where item text is
sent and whose "critiques" contractors are shown). Imported critics came from files: nobody edits
them, and only an admin deletes one. A run may be cancelled or retried by whoever started it, or an admin.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from annotation.access import request_user
from annotation.users import User
from assist.models import Backend, CriticConfig, CritiqueRun, EvaluatorAudit, GenerationRun

CRITIC_REFUSED = "Only the researcher who made this critic, or an admin, may change it."
IMPORTED_REFUSED = "Imported critics cannot be edited: their critiques came from a file."
RUN_REFUSED = "Only the researcher who started this run, or an admin, may cancel or retry it."


def may_change_critic(user: User, critic: CriticConfig) -> bool:
    if critic.backend == Backend.IMPORTED:
        return False
    return user.is_admin_role or (critic.created_by_id is not None and critic.created_by_id == user.pk)


def may_delete_critic(user: User, critic: CriticConfig) -> bool:
    return user.is_admin_role or may_change_critic(user, critic)


def may_control_run(user: User, run: CritiqueRun) -> bool:
    return user.is_admin_role or (run.created_by_id is not None and run.created_by_id == user.pk)


def get_critic_for_change(request: HttpRequest, pk: int) -> CriticConfig:
    critic = get_object_or_404(CriticConfig, pk=pk)
    if critic.backend == Backend.IMPORTED:
        raise PermissionDenied(IMPORTED_REFUSED)
    if not may_change_critic(request_user(request), critic):
        raise PermissionDenied(CRITIC_REFUSED)
    return critic


def get_run_for_control(request: HttpRequest, pk: int) -> CritiqueRun:
    run = get_object_or_404(CritiqueRun.objects.select_related("critic", "created_by"), pk=pk)
    if not may_control_run(request_user(request), run):
        raise PermissionDenied(RUN_REFUSED)
    return run


class CriticPermission(BasePermission):
    """Researchers read and create; changing or deleting follows may_change_critic / may_delete_critic."""

    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        assert isinstance(user, User) and isinstance(obj, CriticConfig)
        if request.method == "DELETE":
            self.message = CRITIC_REFUSED
            return may_delete_critic(user, obj)
        self.message = IMPORTED_REFUSED if obj.backend == Backend.IMPORTED else CRITIC_REFUSED
        return may_change_critic(user, obj)


class RunPermission(BasePermission):
    message = RUN_REFUSED

    def has_object_permission(self, request: Request, view: APIView, obj: object) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        assert isinstance(user, User) and isinstance(obj, CritiqueRun)
        return may_control_run(user, obj)


def audits_for(user: User) -> QuerySet[EvaluatorAudit]:
    """An audit belongs to the researcher who ran it (admins see all); nobody else knows of it."""
    if user.is_admin_role:
        return EvaluatorAudit.objects.all()
    if user.is_researcher:
        return EvaluatorAudit.objects.filter(created_by=user)
    return EvaluatorAudit.objects.none()


def get_audit_for_user(request: HttpRequest, pk: int) -> EvaluatorAudit:
    return get_object_or_404(audits_for(request_user(request)).select_related("evaluator"), pk=pk)


def generations_for(user: User) -> QuerySet[GenerationRun]:
    """A generate run belongs to the researcher who started it (admins see all)."""
    if user.is_admin_role:
        return GenerationRun.objects.all()
    if user.is_researcher:
        return GenerationRun.objects.filter(created_by=user)
    return GenerationRun.objects.none()
