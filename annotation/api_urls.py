from __future__ import annotations

from annotation.datasets.api import DatasetViewSet, ImportJobViewSet, ItemViewSet
from annotation.labeling.api import TaskViewSet
from annotation.results.api import ExportViewSet
from annotation.studies.api import StudyViewSet
from annotation.web.routers import Router

router = Router()
router.register("datasets", DatasetViewSet, basename="api-dataset")
router.register("items", ItemViewSet, basename="api-item")
router.register("imports", ImportJobViewSet, basename="api-import")
router.register("studies", StudyViewSet, basename="api-study")
router.register("tasks", TaskViewSet, basename="api-task")
router.register("exports", ExportViewSet, basename="api-export")

urlpatterns = router.urls
