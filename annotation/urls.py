from __future__ import annotations

from django.urls import path

from annotation.comparing import views as compare_views
from annotation.crowd import views as crowd_views
from annotation.datasets import views as dataset_views
from annotation.hooks import views as hook_views
from annotation.labeling import views as task_views
from annotation.ops import views as ops_views
from annotation.people import views as people_views
from annotation.quality import plan_views
from annotation.quality import views as quality_views
from annotation.results import export_views
from annotation.results import views as results_views
from annotation.studies import views as study_views
from annotation.tampering import views as tamper_views
from annotation.web import home

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", ops_views.healthz, name="healthz"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("datasets/", dataset_views.dataset_list, name="dataset-list"),
    path("datasets/import/", dataset_views.dataset_import, name="dataset-import"),
    path("imports/<int:pk>/", dataset_views.import_detail, name="import-detail"),
    path("datasets/<int:pk>/", dataset_views.dataset_detail, name="dataset-detail"),
    path("datasets/<int:pk>/exports/", dataset_views.dataset_export_start, name="dataset-export-start"),
    path("exports/", export_views.export_list, name="export-list"),
    path("exports/<int:pk>/", export_views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export-download"),
    path("items/<int:pk>/", dataset_views.item_detail, name="item-detail"),
    path("tasks/", task_views.queue, name="queue"),
    path("tasks/next/", task_views.next_task, name="task-next"),
    path("tasks/<int:pk>/", task_views.task, name="task"),
    path("tasks/<int:pk>/flaws/", task_views.add_flaw, name="task-flaw-add"),
    path("tasks/<int:pk>/flaws/<int:flaw_pk>/", task_views.edit_flaw, name="task-flaw-edit"),
    path("tasks/<int:pk>/flaws/<int:flaw_pk>/delete/", task_views.delete_flaw, name="task-flaw-delete"),
    path("tasks/<int:pk>/comments/<int:judgement_pk>/", task_views.judge_comment, name="task-judge"),
    path("tasks/<int:pk>/draft/", task_views.save_draft, name="task-draft"),
    path("tasks/<int:pk>/submit/", task_views.submit, name="task-submit"),
    path("tasks/<int:pk>/skip/", task_views.skip, name="task-skip"),
    path("tasks/<int:pk>/time/", task_views.active_time, name="task-time"),
    path("tasks/<int:pk>/compare/answer/", compare_views.answer, name="task-compare-answer"),
    path("tasks/<int:pk>/compare/submit/", compare_views.submit, name="task-compare-submit"),
    path("tasks/<int:pk>/tamper/text/", tamper_views.save_text, name="task-tamper-text"),
    path("tasks/<int:pk>/tamper/flaws/", tamper_views.add_flaw, name="task-tamper-flaw-add"),
    path("tasks/<int:pk>/tamper/flaws/<int:flaw_pk>/delete/", tamper_views.delete_flaw, name="task-tamper-flaw-delete"),
    path("tasks/<int:pk>/tamper/tests/", tamper_views.run_tests, name="task-tamper-tests"),
    path("tasks/<int:pk>/tamper/panel/", tamper_views.panel, name="task-tamper-panel"),
    path("tasks/<int:pk>/tamper/submit/", tamper_views.submit, name="task-tamper-submit"),
    path("studies/", study_views.study_list, name="study-list"),
    path("studies/new/", study_views.study_create, name="study-new"),
    path("studies/<int:pk>/", study_views.study_detail, name="study-detail"),
    path("studies/<int:pk>/progress/", study_views.study_progress, name="study-progress"),
    path("studies/<int:pk>/enrol/", study_views.study_enrol, name="study-enrol"),
    path("studies/<int:pk>/quality/", quality_views.study_quality_page, name="study-quality"),
    path("studies/<int:pk>/quality/exclude/", quality_views.study_exclude, name="study-quality-exclude"),
    path(
        "studies/<int:pk>/quality/<int:contractor_pk>/restore/",
        quality_views.study_restore,
        name="study-quality-restore",
    ),
    path("studies/<int:pk>/checks/", plan_views.study_checks, name="study-checks"),
    path("studies/<int:pk>/quality/resume/<int:contractor_pk>/", plan_views.study_resume, name="study-quality-resume"),
    path("studies/<int:pk>/link/", crowd_views.study_link, name="study-link"),
    path("join/done/", crowd_views.done, name="join-done"),
    path("join/<str:token>/", crowd_views.join, name="join"),
    path("webhooks/", hook_views.webhook_list, name="webhook-list"),
    path("webhooks/<int:pk>/", hook_views.webhook_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/ping/", hook_views.webhook_ping, name="webhook-ping"),
    path("webhooks/<int:pk>/toggle/", hook_views.webhook_toggle, name="webhook-toggle"),
    path("webhooks/<int:pk>/delete/", hook_views.webhook_delete, name="webhook-delete"),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/resend/",
        hook_views.webhook_redeliver,
        name="webhook-redeliver",
    ),
    path("people/", people_views.people, name="people"),
    path("people/<int:pk>/", people_views.person_edit, name="person-edit"),
    path("studies/<int:pk>/ready/", study_views.study_ready, name="study-ready"),
    path("studies/<int:pk>/launch/", study_views.study_launch, name="study-launch"),
    path("studies/<int:pk>/close/", study_views.study_close, name="study-close"),
    path("studies/<int:pk>/critiques/", study_views.study_generate_critiques, name="study-critiques"),
    path("studies/<int:pk>/drop-failed/", study_views.study_drop_failed, name="study-drop-failed"),
    path("studies/<int:pk>/release/", study_views.study_release, name="study-release"),
    path("studies/<int:pk>/reviews/", study_views.study_reviews, name="study-reviews"),
    path("studies/<int:pk>/tampers/", tamper_views.study_tampers, name="study-tampers"),
    path("studies/<int:pk>/tampers/<int:tamper_pk>/", tamper_views.review_tamper, name="study-tamper-review"),
    path("reviews/<int:pk>/", study_views.review_detail, name="review-detail"),
    path("studies/<int:pk>/results/", results_views.study_results_page, name="study-results"),
    path("studies/<int:pk>/results.csv", results_views.study_results_csv, name="study-results-csv"),
    path("studies/<int:pk>/export/<str:table>.<str:fmt>", results_views.study_export, name="study-export"),
    path("studies/<int:pk>/exports/", export_views.study_export_start, name="study-export-start"),
    path("studies/<int:pk>/match-threshold/", results_views.match_threshold, name="study-match-threshold"),
    path("studies/<int:pk>/adjudicate/", results_views.adjudication_list, name="study-adjudicate"),
    path("studies/<int:pk>/adjudicate/<int:item_pk>/", results_views.adjudicate_item, name="study-adjudicate-item"),
    path(
        "studies/<int:pk>/adjudicate/reports/<int:report_pk>/",
        results_views.adjudicate_report,
        name="study-adjudicate-report",
    ),
]
