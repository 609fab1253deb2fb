from __future__ import annotations

from annotation.web.routers import Router
from assist.api import CriticConfigViewSet, CritiqueRunViewSet, CritiqueViewSet
from assist.audit_api import AuditViewSet, GenerationViewSet

router = Router()
router.register("critics", CriticConfigViewSet, basename="api-critic")
router.register("runs", CritiqueRunViewSet, basename="api-run")
router.register("critiques", CritiqueViewSet, basename="api-critique")
router.register("audits", AuditViewSet, basename="api-audit")
router.register("generations", GenerationViewSet, basename="api-generation")

urlpatterns = router.urls
