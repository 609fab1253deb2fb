from __future__ import annotations

from annotation.web.routers import Router
from assist.api import CriticConfigViewSet, CritiqueRunViewSet, CritiqueViewSet

router = Router()
router.register("critics", CriticConfigViewSet, basename="api-critic")
router.register("runs", CritiqueRunViewSet, basename="api-run")
router.register("critiques", CritiqueViewSet, basename="api-critique")

urlpatterns = router.urls
