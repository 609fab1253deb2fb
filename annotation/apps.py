from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_migrate


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from annotation.hooks.receivers import run_finished
        from annotation.users import User, ensure_roles, sync_role_names
        from assist.interface import run_finished as run_finished_signal

        run_finished_signal.connect(run_finished, dispatch_uid="redline-webhook-run-finished")

        # After every app: the permissions of apps migrated later must exist before they are granted.
        post_migrate.connect(ensure_roles, dispatch_uid="redline-ensure-roles")
        m2m_changed.connect(sync_role_names, sender=User.groups.through, dispatch_uid="redline-role-names")
