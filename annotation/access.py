"""Who may touch what. Views ask these helpers; none decides access on its own."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from annotation.models import Dataset, Item, User


def request_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User), "call only behind login_required"
    return user


def researcher_required[V: Callable[..., HttpResponse]](view: V) -> V:
    """Logged in and a researcher (or admin); anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request_user(request).is_researcher:
            raise PermissionDenied("Only researchers can do this.")
        response: HttpResponse = view(request, *args, **kwargs)
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


class IsResearcher(BasePermission):
    message = "Only researchers and admins may use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_researcher
