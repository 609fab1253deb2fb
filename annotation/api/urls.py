from __future__ import annotations

from rest_framework.routers import DefaultRouter

from annotation.api.views import DatasetViewSet, ItemViewSet

router = DefaultRouter()
router.register("datasets", DatasetViewSet, basename="api-dataset")
router.register("items", ItemViewSet, basename="api-item")

urlpatterns = router.urls
