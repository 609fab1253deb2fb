from __future__ import annotations

from django.db.models import ProtectedError, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import IsResearcher
from annotation.datasets.models import Dataset
from annotation.users import User
from assist.access import CriticPermission, RunPermission
from assist.gdc import gdc_report
from assist.models import CriticConfig, Critique, CritiqueRun
from assist.runs import RunRefused, do_cancel_run, do_create_run, do_retry_failed
from assist.serializers import (
    CriticConfigSerializer,
    CritiqueRunSerializer,
    CritiqueSerializer,
    StartRunSerializer,
)


class CriticConfigViewSet(viewsets.ModelViewSet[CriticConfig]):
    """Critics: every researcher reads and runs them; their maker or an admin changes or deletes them."""

    serializer_class = CriticConfigSerializer
    permission_classes = (IsResearcher, CriticPermission)
    queryset = CriticConfig.objects.all()

    def destroy(self, request: Request, *args: object, **kwargs: object) -> Response:
        critic = self.get_object()
        try:
            critic.delete()
        except ProtectedError:
            return Response(
                {"detail": f"{critic.name} is in use (a study's arm, or critiques contractors were shown); "
                 "it cannot be deleted."},
                status=status.HTTP_409_CONFLICT,
            )  # fmt: skip
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer: CriticConfigSerializer) -> None:  # type: ignore[override]
        serializer.save(created_by=self.request.user if isinstance(self.request.user, User) else None)

    @extend_schema(
        parameters=[OpenApiParameter("dataset", int, required=True, description="Items with planted flaws.")],
        responses={200: {"type": "object"}, 400: None},
    )
    @action(detail=True, methods=["get"])
    def gdc(self, request: Request, pk: str) -> Response:
        """The critic's generator-discriminator-critique gap over a dataset (see assist/gdc.py)."""
        form = GdcSerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        return Response(gdc_report(self.get_object(), list(form.validated_data["dataset"].items.all())))


class GdcSerializer(serializers.Serializer[None]):
    dataset = serializers.PrimaryKeyRelatedField(queryset=Dataset.objects.all())


class CritiqueRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CritiqueRun]):
    serializer_class = CritiqueRunSerializer
    permission_classes = (IsResearcher, RunPermission)
    queryset = CritiqueRun.objects.all()

    @extend_schema(request=StartRunSerializer, responses={201: CritiqueRunSerializer})
    def create(self, request: Request) -> Response:
        """Start a run of a critic over a dataset's items (optionally one kind, or chosen ids)."""
        form = StartRunSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        items = form.validated_data["dataset"].items.all()
        if form.validated_data.get("kind"):
            items = items.filter(kind=form.validated_data["kind"])
        if form.validated_data.get("item_ids"):
            items = items.filter(pk__in=form.validated_data["item_ids"])
        user = request.user if isinstance(request.user, User) else None
        try:
            run = do_create_run(form.validated_data["critic"], items, user)
        except RunRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CritiqueRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CritiqueRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        do_cancel_run(run)
        return Response(CritiqueRunSerializer(run).data)

    @extend_schema(request=None, responses=CritiqueRunSerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        run = self.get_object()
        try:
            do_retry_failed(run)
        except RunRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CritiqueRunSerializer(run).data)


@extend_schema(
    parameters=[OpenApiParameter("item", int), OpenApiParameter("critic", int), OpenApiParameter("chosen", bool)]
)
class CritiqueViewSet(viewsets.ReadOnlyModelViewSet[Critique]):
    """AI critiques with their comments (researchers only; contractors see critiques only in assigned tasks)."""

    serializer_class = CritiqueSerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[Critique]:
        queryset = Critique.objects.prefetch_related("comments").order_by("id")
        params = self.request.query_params
        if params.get("item", "").isdigit():
            queryset = queryset.filter(item_id=int(params["item"]))
        if params.get("critic", "").isdigit():
            queryset = queryset.filter(critic_id=int(params["critic"]))
        if params.get("chosen") in ("true", "1"):
            queryset = queryset.filter(chosen=True)
        return queryset
