"""Evaluator audits through the API: start one, follow it, read its report."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import IsResearcher, api_user
from annotation.datasets.models import Dataset, Item
from assist.access import audits_for, generations_for
from assist.audit_report import audit_report
from assist.audits import AuditRefused, do_create_audit
from assist.generating import GenerateRefused, do_create_generation
from assist.models import Backend, CriticConfig, EvaluatorAudit, GenerationRun, RunStatus


class AuditSerializer(serializers.ModelSerializer[EvaluatorAudit]):
    evaluator_name = serializers.CharField(source="evaluator.name", read_only=True)
    report = serializers.SerializerMethodField(help_text="Present once the audit is done.")

    class Meta:
        model = EvaluatorAudit
        fields = (
            "id",
            "evaluator",
            "evaluator_name",
            "own_author",
            "prompt_version",
            "status",
            "total",
            "done",
            "failed",
            "percent",
            "error",
            "created_at",
            "finished_at",
            "report",
        )

    def get_report(self, audit: EvaluatorAudit) -> dict[str, Any] | None:
        if not self.context.get("with_report") or audit.status not in (RunStatus.DONE, RunStatus.FAILED):
            return None
        return audit_report(audit)


class StartAuditSerializer(serializers.Serializer[None]):
    evaluator = serializers.PrimaryKeyRelatedField(queryset=CriticConfig.objects.filter(backend=Backend.OPENAI))
    own_author = serializers.CharField(max_length=200)
    datasets = serializers.PrimaryKeyRelatedField(queryset=Dataset.objects.all(), many=True, allow_empty=False)


class AuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[EvaluatorAudit]):
    """Your evaluator audits (admins: everyone's). The report comes with a finished audit's detail."""

    serializer_class = AuditSerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[EvaluatorAudit]:
        if getattr(self, "swagger_fake_view", False):
            return EvaluatorAudit.objects.none()
        return audits_for(api_user(self.request)).select_related("evaluator")

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        return Response(AuditSerializer(self.get_object(), context={"with_report": True}).data)

    @extend_schema(request=StartAuditSerializer, responses={201: AuditSerializer, 400: None})
    def create(self, request: Request) -> Response:
        form = StartAuditSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            audit = do_create_audit(
                data["evaluator"],
                Item.objects.filter(dataset__in=data["datasets"]),
                data["own_author"],
                api_user(request),
            )
        except AuditRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(AuditSerializer(audit).data, status=status.HTTP_201_CREATED)


class GenerationSerializer(serializers.ModelSerializer[GenerationRun]):
    class Meta:
        model = GenerationRun
        fields = (
            "id",
            "generator",
            "source",
            "target",
            "author",
            "prompt_version",
            "sampling",
            "status",
            "total",
            "done",
            "failed",
            "percent",
            "error",
            "created_at",
            "finished_at",
        )


class StartGenerationSerializer(serializers.Serializer[None]):
    generator = serializers.PrimaryKeyRelatedField(queryset=CriticConfig.objects.filter(backend=Backend.OPENAI))
    dataset = serializers.PrimaryKeyRelatedField(
        queryset=Dataset.objects.all(), help_text="Whose sources are answered."
    )
    target = serializers.CharField(max_length=200, help_text="The name of the new dataset.")
    author = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GenerationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[GenerationRun]):
    """Your generate runs: a model writes its own responses to a dataset's sources, as a new dataset."""

    serializer_class = GenerationSerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[GenerationRun]:
        if getattr(self, "swagger_fake_view", False):
            return GenerationRun.objects.none()
        return generations_for(api_user(self.request)).select_related("generator")

    @extend_schema(request=StartGenerationSerializer, responses={201: GenerationSerializer, 400: None})
    def create(self, request: Request) -> Response:
        form = StartGenerationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            run = do_create_generation(
                data["generator"], data["dataset"], data["target"], data["author"], api_user(request)
            )
        except GenerateRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(GenerationSerializer(run).data, status=status.HTTP_201_CREATED)
