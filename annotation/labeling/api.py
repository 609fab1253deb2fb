"""The contractor's tasks through the API: list them, open a started one, claim the next."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from annotation.access import IsContractor, api_user, assignments_for, claimed_assignments_for
from annotation.comparing import api as comparing_api
from annotation.labeling.queue import SkipRefused, claim_next, do_skip
from annotation.labeling.reviewing import open_review
from annotation.labeling.serializers import SkipSerializer, TaskDetailSerializer, TaskSerializer
from annotation.studies.models import Assignment, TaskKind

COMPARISON_KINDS = (TaskKind.COMPARE, TaskKind.PREFER)


def _open(assignment: Assignment) -> None:
    """A review task's review starts when it opens; other kinds have their own endpoints (kind says which)."""
    if assignment.study.task_kind == TaskKind.REVIEW:
        open_review(assignment)


class TaskViewSet(viewsets.ReadOnlyModelViewSet[Assignment]):
    """A contractor's own tasks. AI comments appear only in tasks of an assisted arm."""

    permission_classes = (IsContractor,)

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        return (
            assignments_for(api_user(self.request)).select_related("study", "item", "arm").order_by("study_id", "order")
        )

    def get_serializer_class(self) -> type[TaskSerializer]:
        return TaskDetailSerializer if self.action == "retrieve" else TaskSerializer

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        """A started or finished task; queued ones are listed but open only when "next" hands them out."""
        assignment = get_object_or_404(
            claimed_assignments_for(api_user(request)).select_related("study", "item", "arm"), pk=kwargs["pk"]
        )
        _open(assignment)
        return Response(TaskDetailSerializer(assignment).data)

    @extend_schema(request=None, responses={200: TaskDetailSerializer, 204: None})
    @action(detail=False, methods=["post"])
    def next(self, request: Request) -> Response:
        """Claim the next task (the unfinished one first). 204 when there is none."""
        assignment = claim_next(api_user(request))
        if assignment is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        assignment = get_object_or_404(self.get_queryset(), pk=assignment.pk)
        _open(assignment)
        return Response(TaskDetailSerializer(assignment).data)

    def _claimed(self, request: Request, pk: str, kinds: tuple[str, ...]) -> Assignment:
        tasks = claimed_assignments_for(api_user(request)).select_related("study", "item", "arm")
        return get_object_or_404(tasks.filter(study__task_kind__in=kinds), pk=pk)

    @extend_schema(request=None, responses={200: {"type": "object"}})
    @action(detail=True, methods=["get"], url_path="comparison", url_name="comparison")
    def comparison(self, request: Request, pk: str) -> Response:
        """A comparison task as its page shows it: critiques (or responses) by letter, blind to their source."""
        return Response(comparing_api.comparison_view(self._claimed(request, pk, COMPARISON_KINDS)))

    @extend_schema(request=comparing_api.AnswersSerializer, responses={200: {"type": "object"}, 400: None, 409: None})
    @action(detail=True, methods=["post"], url_path="comparison/answers", url_name="comparison-answers")
    def comparison_answers(self, request: Request, pk: str) -> Response:
        """Save answers (all or none): each a critique's letter, a question and a value (1-7, or text)."""
        return comparing_api.save_answers(self._claimed(request, pk, COMPARISON_KINDS), request.data)

    @extend_schema(request=None, responses={200: {"type": "object"}, 400: None, 409: None})
    @action(detail=True, methods=["post"], url_path="comparison/submit", url_name="comparison-submit")
    def comparison_submit(self, request: Request, pk: str) -> Response:
        """Submit a comparison; refused (400) while a question is unanswered."""
        return comparing_api.submit(self._claimed(request, pk, COMPARISON_KINDS))

    @extend_schema(request=SkipSerializer, responses={200: TaskSerializer, 400: None, 409: None})
    @action(detail=True, methods=["post"])
    def skip(self, request: Request, pk: str) -> Response:
        """Hand a started task back unreviewed ("can't judge this"), with a reason; it returns to the pool."""
        assignment = get_object_or_404(claimed_assignments_for(api_user(request)), pk=pk)
        form = SkipSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            do_skip(assignment, form.validated_data["reason"], form.validated_data["note"])
        except SkipRefused as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        assignment.refresh_from_db()
        return Response(TaskSerializer(assignment).data)
