"""Who may touch what. Views ask these helpers; none decides access on its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.utils.crypto import constant_time_compare
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from annotation.datasets.models import Dataset, ImportJob, Item
from annotation.hooks.models import Webhook
from annotation.labeling.models import Review
from annotation.results.models import ExportJob
from annotation.studies.models import Assignment, AssignmentStatus, Study
from annotation.users import User

DATASET_EXPORT_REFUSED = "Only admins export whole datasets (they hold the ground truth)."


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "call only behind login_required"
    return user


def api_user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User), "call only behind an API permission that requires a role"
    return user


def researcher_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Logged in and a researcher (or admin); anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not request_user(request).is_researcher:
            raise PermissionDenied("Only researchers can do this.")
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response

    return wrapper  # type: ignore[return-value]  # same signature, checked by wraps


def get_dataset_for_researcher(request: HttpRequest, pk: int) -> Dataset:
    """Datasets are a shared library: every researcher and admin may read them."""
    if not request_user(request).is_researcher:
        raise PermissionDenied
    return get_object_or_404(Dataset, pk=pk)


def get_item_for_researcher(request: HttpRequest, pk: int) -> Item:
    if not request_user(request).is_researcher:
        raise PermissionDenied
    return get_object_or_404(Item.objects.select_related("dataset"), pk=pk)


def contractor_required[V: Callable[..., HttpResponse]](view: V) -> V:
    """Logged in and a contractor; anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request_user(request).is_contractor:
            raise PermissionDenied("Only contractors review tasks.")
        response: HttpResponse = view(request, *args, **kwargs)
        return response

    return wrapper  # type: ignore[return-value]  # same signature, checked by wraps


def studies_for(user: User) -> QuerySet[Study]:
    """Researchers see their own studies; admins see all; nobody else sees any."""
    if user.is_admin_role:
        return Study.objects.all()
    if user.is_researcher:
        return Study.objects.filter(owner=user)
    return Study.objects.none()


def get_study_for_researcher(request: HttpRequest, pk: int) -> Study:
    """Another researcher's study is a 404: its existence is not theirs to know."""
    user = request_user(request)
    if not user.is_researcher:
        raise PermissionDenied
    return get_object_or_404(studies_for(user).select_related("owner"), pk=pk)


def get_review_for_researcher(request: HttpRequest, pk: int) -> Review:
    user = request_user(request)
    if not user.is_researcher:
        raise PermissionDenied
    review = get_object_or_404(
        Review.objects.select_related(
            "assignment__study", "assignment__item", "assignment__arm__critic", "assignment__contractor"
        ),
        pk=pk,
    )
    if not studies_for(user).filter(pk=review.assignment.study_id).exists():
        raise Http404
    return review


def assignments_for(user: User) -> QuerySet[Assignment]:
    """A contractor's own assignments; nobody else's, whatever their role."""
    return Assignment.objects.filter(contractor=user)


def get_assignment_for_contractor(
    request: HttpRequest, pk: int, kinds: tuple[str, ...] | None = ("review",)
) -> Assignment:
    """Only the contractor it is assigned to may open a task; for everyone else it does not exist.
    `kinds`: the task kinds the caller handles (None: any); a task of another kind is not found."""
    user = request_user(request)
    if not user.is_contractor:
        raise PermissionDenied
    tasks = claimed_assignments_for(user).select_related("study", "item", "arm")
    if kinds is not None:
        tasks = tasks.filter(study__task_kind__in=kinds)
    return get_object_or_404(tasks, pk=pk)


def claimed_assignments_for(user: User) -> QuerySet[Assignment]:
    """Tasks the contractor has started (through "next task") or finished; queued ones open in their turn."""
    return assignments_for(user).exclude(status=AssignmentStatus.PENDING)


class IsContractor(BasePermission):
    message = "Only contractors may use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_contractor


class IsResearcher(BasePermission):
    message = "Only researchers and admins may use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_researcher


def exports_for(user: User) -> QuerySet[ExportJob]:
    """Admins see every export; researchers their own requests; nobody else any."""
    jobs = ExportJob.objects.select_related("study", "dataset", "requested_by")
    if user.is_admin_role:
        return jobs
    return jobs.filter(requested_by=user) if user.is_researcher else jobs.none()


def get_export_for_user(request: HttpRequest, pk: int) -> ExportJob:
    return get_object_or_404(exports_for(request_user(request)), pk=pk)


def sees_health_details(request: HttpRequest) -> bool:
    """Critic names and error texts in /healthz: admins only; everyone else gets the summary."""
    return request.user.is_authenticated and request_user(request).is_admin_role


def may_read_metrics(request: HttpRequest) -> bool | None:
    """Prometheus with REDLINE_METRICS_TOKEN as its bearer token, or an admin's session; None: log in first."""
    token = settings.REDLINE_METRICS_TOKEN
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and offered and constant_time_compare(offered, token):
        return True
    if not request.user.is_authenticated:
        return None
    return request_user(request).is_admin_role


def may_export_dataset(user: User) -> bool:
    """A whole dataset holds the ground truth of every study drawn from it: admins only."""
    return user.is_admin_role


def imports_for(user: User) -> QuerySet[ImportJob]:
    """Admins see every background import; researchers their own; nobody else any."""
    if user.is_admin_role:
        return ImportJob.objects.all()
    return ImportJob.objects.filter(requested_by=user) if user.is_researcher else ImportJob.objects.none()


def get_import_for_user(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(imports_for(request_user(request)), pk=pk)


def webhooks_for(user: User) -> QuerySet[Webhook]:
    """Admins see every webhook; researchers their own; nobody else any (a hook's secret signs its events)."""
    if user.is_admin_role:
        return Webhook.objects.select_related("owner")
    return Webhook.objects.filter(owner=user) if user.is_researcher else Webhook.objects.none()


def get_webhook_for_user(request: HttpRequest, pk: int) -> Webhook:
    user = request_user(request)
    if not user.is_researcher:
        raise PermissionDenied
    return get_object_or_404(webhooks_for(user), pk=pk)


def admin_required[V: Callable[..., HttpResponseBase]](view: V) -> V:
    """Logged in and an admin; anyone else gets 403 (managing people and their roles)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not request_user(request).is_admin_role:
            raise PermissionDenied("Only admins manage people and roles.")
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response

    return wrapper  # type: ignore[return-value]  # same signature, checked by wraps
