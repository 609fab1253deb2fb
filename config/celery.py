from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("redline")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # assist.tasks: critique runs
app.autodiscover_tasks(
    ["annotation.results", "annotation.datasets", "annotation.tampering", "annotation.labeling", "annotation.hooks"],
    related_name="celery_jobs",
)  # exports, analyses, imports, tamper tests, the queue's upkeep, webhooks
