from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import IsResearcher, api_user, studies_for
from annotation.comparing.pages import current_results
from annotation.results.adjudicating import check_adjudication, do_adjudicate, do_set_match_threshold
from annotation.results.api import ExportJobSerializer, start_export
from annotation.results.current import current_analysis
from annotation.results.models import AnalysisSnapshot
from annotation.results.serializers import (
    AdjudicationSerializer,
    ReportAdjudicationSerializer,
    report_rows,
    study_reports,
)
from annotation.studies.dashboard import arm_progress, contractor_figures, released_pool
from annotation.studies.lifecycle import (
    StudyRefused,
    check_launch,
    check_missing_critiques,
    do_close,
    do_create_study,
    do_drop_failed_items,
    do_enrol,
    do_generate_missing_critiques,
    do_launch,
)
from annotation.studies.models import Study, TaskKind
from annotation.studies.serializers import (
    EnrolSerializer,
    LaunchRefusedSerializer,
    MatchThresholdSerializer,
    ProgressSerializer,
    StudyCreateSerializer,
    StudyExportSerializer,
    StudySerializer,
)
from annotation.tampering.review import tamper_summary


class StudyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[Study]):
    """Studies: researchers see and change their own, admins all."""

    serializer_class = StudySerializer
    permission_classes = (IsResearcher,)

    def get_queryset(self) -> QuerySet[Study]:
        if getattr(self, "swagger_fake_view", False):
            return Study.objects.none()
        return studies_for(api_user(self.request)).select_related("owner").prefetch_related("arms", "contractors")

    @extend_schema(request=StudyCreateSerializer, responses={201: StudySerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        form = StudyCreateSerializer(data=request.data, context={"user": api_user(request)})
        form.is_valid(raise_exception=True)
        try:
            study = do_create_study(form.spec(), api_user(request))
        except StudyRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(StudySerializer(study).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnrolSerializer, responses={200: StudySerializer})
    @action(detail=True, methods=["post"])
    def enrol(self, request: Request, pk: str) -> Response:
        study = self.get_object()
        form = EnrolSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            do_enrol(study, form.validated_data["contractors"])
        except StudyRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(StudySerializer(self.get_object()).data)

    @extend_schema(
        request=None,
        responses={
            200: StudySerializer,
            409: OpenApiResponse(LaunchRefusedSerializer, description="Launch refused; what stands in the way."),
        },
    )
    @action(detail=True, methods=["post"])
    def launch(self, request: Request, pk: str) -> Response:
        """Create the balanced assignments and start handing out tasks; refused while critiques are missing."""
        study = self.get_object()
        try:
            do_launch(study)
        except StudyRefused as exc:
            missing = check_missing_critiques(study)
            body = {
                "detail": str(exc),
                "problems": check_launch(study),
                "missing_critiques": {m.name: len(m.item_ids) for m in missing},
                "failed_critiques": {m.name: {str(k): v for k, v in m.failed.items()} for m in missing if m.failed},
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(StudySerializer(self.get_object()).data)

    @extend_schema(request=None, responses={200: StudySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        study = self.get_object()
        try:
            do_close(study)
        except StudyRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(StudySerializer(self.get_object()).data)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"runs": {"type": "array"}}}})
    @action(detail=True, methods=["post"], url_path="generate-critiques")
    def generate_critiques(self, request: Request, pk: str) -> Response:
        """Start the critique runs that fill every missing chosen critique of the assisted arms."""
        runs, refused = do_generate_missing_critiques(self.get_object(), api_user(request))
        return Response({"runs": runs, "refused": refused}, status=status.HTTP_409_CONFLICT if refused else 200)

    @extend_schema(request=None, responses={200: StudySerializer})
    @action(detail=True, methods=["post"], url_path="drop-failed")
    def drop_failed(self, request: Request, pk: str) -> Response:
        """Before launch: take out the items whose critique failed in an assisted arm (recorded in dropped_items)."""
        try:
            do_drop_failed_items(self.get_object(), api_user(request))
        except StudyRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(StudySerializer(self.get_object()).data)

    @extend_schema(responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request: Request, pk: str) -> Response:
        study = self.get_object()
        body = {
            "status": study.status,
            "arms": arm_progress(study),
            "contractors": contractor_figures(study),
            "released": released_pool(study),
        }
        return Response(ProgressSerializer(body).data)

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("item", int, description="Only this item's reports.")],
        responses=ReportAdjudicationSerializer(many=True),
    )
    @extend_schema(methods=["POST"], request=AdjudicationSerializer, responses=ReportAdjudicationSerializer)
    @action(detail=True, methods=["get", "post"])
    def adjudications(self, request: Request, pk: str) -> Response:
        """Submitted flaw reports with Redline's proposed match; POST confirms a verdict and match for one."""
        study = self.get_object()
        if request.method == "GET":
            paginator = PageNumberPagination()
            page = paginator.paginate_queryset(study_reports(study, request.query_params.get("item")), request, self)
            assert page is not None
            rows = report_rows(study, list(page))
            listed = ReportAdjudicationSerializer(rows, many=True)  # type: ignore[arg-type]  # many=True takes a list
            return paginator.get_paginated_response(listed.data)
        form = AdjudicationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        report = get_object_or_404(study_reports(study, None), pk=form.validated_data["report"])
        verdict, planted_flaw = form.validated_data["verdict"], form.validated_data["planted_flaw"]
        problems = check_adjudication(report, verdict, planted_flaw)
        if problems:
            return Response({"detail": " ".join(problems)}, status=status.HTTP_400_BAD_REQUEST)
        do_adjudicate(report, verdict, planted_flaw, api_user(request))
        report = study_reports(study, None).get(pk=report.pk)
        return Response(ReportAdjudicationSerializer(report_rows(study, [report])[0]).data)

    @extend_schema(request=MatchThresholdSerializer, responses=StudySerializer)
    @action(detail=True, methods=["post"], url_path="match-threshold")
    def match_threshold(self, request: Request, pk: str) -> Response:
        """Set the span overlap (0 to 1) at which a report is proposed as catching a planted flaw."""
        study = self.get_object()
        form = MatchThresholdSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        do_set_match_threshold(study, form.validated_data["match_threshold"])
        return Response(StudySerializer(self.get_object()).data)

    @extend_schema(request=StudyExportSerializer, responses={202: ExportJobSerializer})
    @action(detail=True, methods=["post"])
    def export(self, request: Request, pk: str) -> Response:
        """Start an export job of this study; poll GET /api/exports/N/ and download when done."""
        study = self.get_object()
        # A QueryDict's copy keeps repeated form fields (tables); a JSON body is a dict.
        data = request.data.copy() if isinstance(request.data, dict) else {}
        data["study"] = study.pk
        return start_export(api_user(request), data)

    @extend_schema(responses={200: {"type": "object"}, 202: {"type": "object"}})
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: str) -> Response:
        """Per-arm estimates, differences from the unassisted arm and regression effects, with 95% intervals.

        Stored until the study changes. A large study's update is computed by the worker: until it is
        done the answer is 202 with its progress (and the previous analysis, if any, marked stale).
        """
        study = self.get_object()
        if study.task_kind in (TaskKind.COMPARE, TaskKind.PREFER):
            return Response(current_results(study))
        if study.task_kind == TaskKind.TAMPER:
            return Response(tamper_summary(study))
        current = current_analysis(study)
        snapshot = current.snapshot
        if current.fresh and snapshot is not None:
            return Response(snapshot.payload["results"] | {"stale": False, "computed_at": snapshot.computed_at})
        progress = AnalysisSnapshot.objects.get(study_id=self.get_object().pk)
        body: dict[str, object] = {"status": progress.status, "progress": progress.progress, "stage": progress.stage}
        if snapshot is not None:
            body["previous"] = snapshot.payload["results"] | {"stale": True, "computed_at": snapshot.computed_at}
        return Response(body, status=status.HTTP_202_ACCEPTED)
