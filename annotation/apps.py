from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from annotation.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self)
