"""Column values for CritiqueComment rows, shared by imports and critique runs (both bulk-insert)."""

from __future__ import annotations

from models_service.critique import CommentDraft


def comment_row(comment: CommentDraft, position: int, kind: str) -> dict[str, object]:
    """A comment's columns; lines are kept for code, where reviewers point at lines."""
    anchor = comment.anchor
    lines = anchor is not None and kind == "code"
    return {
        "position": position,
        "quote": comment.quote,
        "comment": comment.comment,
        "severity": comment.severity,
        "category": comment.category,
        "grounded": anchor is not None,
        "start": anchor.start if anchor else None,
        "end": anchor.end if anchor else None,
        "line_start": anchor.line_start if lines and anchor else None,
        "line_end": anchor.line_end if lines and anchor else None,
    }
