from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete, pre_save


class AnnotationConfig(AppConfig):
    name = "annotation"
    verbose_name = "Annotation"

    def ready(self) -> None:
        from django.contrib.auth.models import Group

        from annotation.hooks.events import forget_listened
        from annotation.hooks.models import Webhook
        from annotation.hooks.receivers import run_finished
        from annotation.users import User, ensure_roles, group_changed, group_members_before_change, sync_role_names
        from assist.interface import run_finished as run_finished_signal

        run_finished_signal.connect(run_finished, dispatch_uid="redline-webhook-run-finished")
        post_save.connect(forget_listened, sender=Webhook, dispatch_uid="redline-webhooks-saved")
        post_delete.connect(forget_listened, sender=Webhook, dispatch_uid="redline-webhooks-deleted")

        # After every app: the permissions of apps migrated later must exist before they are granted.
        post_migrate.connect(ensure_roles, dispatch_uid="redline-ensure-roles")
        m2m_changed.connect(sync_role_names, sender=User.groups.through, dispatch_uid="redline-role-names")
        for before, after, name in ((pre_delete, post_delete, "delete"), (pre_save, post_save, "save")):
            before.connect(group_members_before_change, sender=Group, dispatch_uid=f"redline-group-pre-{name}")
            after.connect(group_changed, sender=Group, dispatch_uid=f"redline-group-post-{name}")
