"""Export jobs through the API: start one (a study, or for admins a dataset), poll it, download the zip."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import (
    DATASET_EXPORT_REFUSED,
    IsResearcher,
    api_user,
    exports_for,
    may_export_dataset,
    studies_for,
)
from annotation.datasets.models import Dataset
from annotation.results.exporting.export import EXPORT_FORMATS
from annotation.results.exporting.jobs import (
    DATASET_FORMATS,
    check_export,
    do_start_export,
    download_name,
    finished_file,
)
from annotation.results.models import ExportJob, ExportStatus
from annotation.users import User


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    percent = serializers.IntegerField(read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = (
            "id", "study", "dataset", "format", "tables", "status", "percent", "rows_done", "rows_total", "current",
            "size_bytes", "manifest", "error", "created_at", "started_at", "finished_at", "download",
        )  # fmt: skip
        read_only_fields = fields

    def get_download(self, job: ExportJob) -> str | None:
        return f"/api/exports/{job.pk}/download/" if job.status == ExportStatus.DONE else None


class ExportRequestSerializer(serializers.Serializer[None]):
    study = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="A study you own (admins: any)."
    )
    dataset = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, help_text="Admins only: a whole dataset."
    )
    format = serializers.ChoiceField(choices=sorted({*EXPORT_FORMATS, *DATASET_FORMATS}))
    tables = serializers.ListField(child=serializers.CharField(), required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("study" in attrs) == ("dataset" in attrs):
            raise ValidationError({"study": "give a study or a dataset, not both or neither"})
        return attrs


def start_export(user: User, data: Any) -> Response:
    """Shared by POST /api/exports/ and POST /api/studies/N/export/: check, queue, answer 202."""
    form = ExportRequestSerializer(data=data)
    form.is_valid(raise_exception=True)
    study = dataset = None
    if "study" in form.validated_data:
        study = studies_for(user).filter(pk=form.validated_data["study"]).first()
        if study is None:
            raise Http404("No such study.")
    else:
        if not may_export_dataset(user):
            raise PermissionDenied(DATASET_EXPORT_REFUSED)
        dataset = Dataset.objects.filter(pk=form.validated_data["dataset"]).first()
        if dataset is None:
            raise Http404("No such dataset.")
    problems = check_export(dataset, form.validated_data["format"], form.validated_data["tables"])
    if problems:
        raise ValidationError({field: [message] for field, message in problems.items()})
    job = do_start_export(
        user, form.validated_data["format"], study=study, dataset=dataset, tables=form.validated_data["tables"]
    )
    return Response(ExportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ExportViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[ExportJob]):
    """Export jobs: researchers see their own, admins all. Poll one until its status is done, then download."""

    serializer_class = ExportJobSerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[ExportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        return exports_for(api_user(self.request))

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportJobSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        return start_export(api_user(request), request.data)

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str) -> FileResponse:
        job = self.get_object()
        path = finished_file(job)
        if path is None:
            raise Http404("This export has no file (yet).")
        return FileResponse(path.open("rb"), as_attachment=True, filename=download_name(job))
