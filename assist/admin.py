from __future__ import annotations

from django.contrib import admin

from assist.models import CriticConfig, Critique, CritiqueComment, CritiqueRun, CritiqueRunItem


@admin.register(CriticConfig)
class CriticConfigAdmin(admin.ModelAdmin[CriticConfig]):
    list_display = ("name", "backend", "model", "strategy", "length_modifier", "created_at")
    list_filter = ("backend", "strategy")
    search_fields = ("name", "model")


class CritiqueCommentInline(admin.TabularInline[CritiqueComment, Critique]):
    model = CritiqueComment
    extra = 0


@admin.register(Critique)
class CritiqueAdmin(admin.ModelAdmin[Critique]):
    list_display = ("id", "critic", "item", "sample_index", "chosen", "helpful", "score")
    list_filter = ("critic", "chosen", "helpful")
    raw_id_fields = ("item",)
    inlines = (CritiqueCommentInline,)


@admin.register(CritiqueComment)
class CritiqueCommentAdmin(admin.ModelAdmin[CritiqueComment]):
    list_display = ("id", "critique", "position", "grounded", "severity", "category")
    list_filter = ("grounded", "severity", "category")
    raw_id_fields = ("critique",)


@admin.register(CritiqueRun)
class CritiqueRunAdmin(admin.ModelAdmin[CritiqueRun]):
    list_display = ("id", "critic", "status", "total", "done", "failed", "worker", "created_at")
    list_filter = ("status",)


admin.site.register(CritiqueRunItem)
