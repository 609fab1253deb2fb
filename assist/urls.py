from __future__ import annotations

from django.urls import path

from assist import audit_views, views

urlpatterns = [
    path("critics/", views.critic_list, name="critic-list"),
    path("critics/new/", views.critic_edit, name="critic-new"),
    path("critics/<int:pk>/edit/", views.critic_edit, name="critic-edit"),
    path("critics/<int:pk>/gdc/", audit_views.critic_gdc, name="critic-gdc"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/new/", views.run_start, name="run-start"),
    path("runs/<int:pk>/", views.run_detail, name="run-detail"),
    path("runs/<int:pk>/cancel/", views.run_cancel, name="run-cancel"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run-retry"),
    path("audits/", audit_views.audit_list, name="audit-list"),
    path("audits/<int:pk>/", audit_views.audit_detail, name="audit-detail"),
    path("audits/generate/", audit_views.generation_start, name="generation-start"),
    path("audits/<int:pk>/questions.csv", audit_views.audit_export, name="audit-export"),
]
