from __future__ import annotations

from rest_framework.routers import DefaultRouter

from annotation.datasets.api import DatasetViewSet, ItemViewSet
from annotation.labeling.api import TaskViewSet
from annotation.results.api import ExportViewSet
from annotation.studies.api import StudyViewSet

# No ".json" suffix routes: JSON is the only format, and custom actions take no `format` argument.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("datasets", DatasetViewSet, basename="api-dataset")
router.register("items", ItemViewSet, basename="api-item")
router.register("studies", StudyViewSet, basename="api-study")
router.register("tasks", TaskViewSet, basename="api-task")
router.register("exports", ExportViewSet, basename="api-export")

urlpatterns = router.urls
