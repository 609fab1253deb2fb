from __future__ import annotations

from rest_framework.routers import DefaultRouter

from annotation.api.exports import ExportViewSet
from annotation.api.studies import StudyViewSet, TaskViewSet
from annotation.api.views import DatasetViewSet, ItemViewSet

router = DefaultRouter()
router.register("datasets", DatasetViewSet, basename="api-dataset")
router.register("items", ItemViewSet, basename="api-item")
router.register("studies", StudyViewSet, basename="api-study")
router.register("tasks", TaskViewSet, basename="api-task")
router.register("exports", ExportViewSet, basename="api-export")

urlpatterns = router.urls
