from __future__ import annotations

from rest_framework.routers import DefaultRouter

from assist.api import CriticConfigViewSet, CritiqueRunViewSet, CritiqueViewSet

# No ".json" suffix routes: JSON is the only format, and custom actions take no `format` argument.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("critics", CriticConfigViewSet, basename="api-critic")
router.register("runs", CritiqueRunViewSet, basename="api-run")
router.register("critiques", CritiqueViewSet, basename="api-critique")

urlpatterns = router.urls
