from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from annotation.datasets.models import Dataset, Item, PlantedFlaw
from annotation.labeling.models import CommentJudgement, FlawReport, Review
from annotation.studies.models import Arm, Assignment, Enrollment, Study, StudyItem
from annotation.users import User

admin.site.register(User, UserAdmin)
admin.site.site_header = "Redline administration"


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin[Dataset]):
    list_display = ("name", "source_format", "created_by", "created_at")
    search_fields = ("name",)


class PlantedFlawInline(admin.TabularInline[PlantedFlaw, Item]):
    model = PlantedFlaw
    extra = 0


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = ("id", "dataset", "external_id", "kind", "author")
    list_filter = ("kind", "dataset")
    search_fields = ("external_id", "author")
    inlines = (PlantedFlawInline,)


@admin.register(PlantedFlaw)
class PlantedFlawAdmin(admin.ModelAdmin[PlantedFlaw]):
    list_display = ("id", "item", "severity", "category", "origin", "line_start", "line_end")
    list_filter = ("severity", "category", "origin")
    raw_id_fields = ("item",)


class ArmInline(admin.TabularInline[Arm, Study]):
    model = Arm
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin[Study]):
    list_display = ("name", "owner", "design", "reviews_per_item", "status", "created_at")
    list_filter = ("status", "design")
    inlines = (ArmInline,)


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = ("id", "study", "item", "arm", "contractor", "order", "status", "active_seconds")
    list_filter = ("status", "study")
    raw_id_fields = ("item", "contractor")


admin.site.register(Arm)
admin.site.register(StudyItem)
admin.site.register(Enrollment)


class FlawReportInline(admin.TabularInline[FlawReport, Review]):
    model = FlawReport
    extra = 0


class CommentJudgementInline(admin.TabularInline[CommentJudgement, Review]):
    model = CommentJudgement
    extra = 0
    raw_id_fields = ("comment",)


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin[Review]):
    list_display = ("id", "assignment", "status", "rating", "submitted_at")
    list_filter = ("status",)
    raw_id_fields = ("assignment", "critique")
    inlines = (FlawReportInline, CommentJudgementInline)
