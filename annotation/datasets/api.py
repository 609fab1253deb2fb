from __future__ import annotations

from dataclasses import asdict

from django.db.models import Count, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import IsResearcher, api_user, imports_for
from annotation.datasets.importing.errors import ImportFailed
from annotation.datasets.importing.jobs import do_start_import, runs_in_background
from annotation.datasets.importing.service import do_import
from annotation.datasets.models import Dataset, ImportJob, Item
from annotation.datasets.serializers import (
    DatasetDetailSerializer,
    DatasetSerializer,
    ImportErrorSerializer,
    ImportJobSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    ItemListSerializer,
    ItemSerializer,
)
from annotation.users import User


class DatasetViewSet(viewsets.ReadOnlyModelViewSet[Dataset]):
    """Datasets, readable by every researcher and admin."""

    serializer_class = DatasetSerializer
    permission_classes = (IsResearcher,)

    def get_serializer_class(self) -> type[DatasetSerializer]:
        return DatasetDetailSerializer if self.action == "retrieve" else DatasetSerializer

    def get_queryset(self) -> QuerySet[Dataset]:
        return Dataset.objects.select_related("created_by").annotate(item_count=Count("items")).order_by("id")

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            201: ImportResultSerializer,
            202: OpenApiResponse(ImportJobSerializer, description="A large file: the worker imports it; poll the job."),
            400: OpenApiResponse(ImportErrorSerializer, description="Nothing was imported; every problem listed."),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_file(self, request: Request) -> Response:
        """Import a file (all or nothing) into a new or existing dataset."""
        form = ImportRequestSerializer(data=request.data)
        if not form.is_valid():
            errors = [
                {"line": 0, "field": field, "message": " ".join(str(m) for m in messages)}
                for field, messages in form.errors.items()
            ]
            body = {"detail": "Nothing was imported.", "errors": errors, "truncated": False}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        upload = form.validated_data["file"]
        user = request.user if isinstance(request.user, User) else None
        if runs_in_background(upload.size) and user is not None:
            job = do_start_import(
                upload, name=form.validated_data["name"], fmt=form.validated_data["format"],
                description=form.validated_data["description"], user=user,
            )  # fmt: skip
            return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        try:
            result = do_import(
                upload,
                name=form.validated_data["name"],
                fmt=form.validated_data["format"],
                filename=upload.name,
                size=upload.size,
                user=user,
                description=form.validated_data["description"],
            )
        except ImportFailed as exc:
            body = {
                "detail": "Nothing was imported.",
                "errors": [asdict(error) for error in exc.errors],
                "truncated": exc.truncated,
            }
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED)

    @extend_schema(responses=ItemListSerializer(many=True))
    @action(detail=True, methods=["get"])
    def items(self, request: Request, pk: str) -> Response:
        """The dataset's items with their planted flaws (researchers only: this is ground truth)."""
        dataset = self.get_object()
        queryset = Item.objects.filter(dataset=dataset).prefetch_related("planted_flaws").order_by("id")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ItemListSerializer(page, many=True).data)


class ItemViewSet(viewsets.ReadOnlyModelViewSet[Item]):
    serializer_class = ItemSerializer

    def get_serializer_class(self) -> type[ItemSerializer]:
        return ItemListSerializer if self.action == "list" else ItemSerializer

    permission_classes = (IsResearcher,)
    queryset = Item.objects.prefetch_related("planted_flaws").order_by("id")


class ImportJobViewSet(viewsets.ReadOnlyModelViewSet[ImportJob]):
    """Background imports of large files: poll one until its status is done (or failed, with every problem)."""

    serializer_class = ImportJobSerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[ImportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return imports_for(api_user(self.request)).order_by("-id")
