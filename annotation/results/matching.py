"""Proposed matches between flaw reports and planted flaws: plain functions over spans and lines."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    start: int | None
    end: int | None
    line_start: int | None = None
    line_end: int | None = None


def placeable(span: Span) -> bool:
    """Whether a report points anywhere the matcher can compare: characters or lines."""
    return (span.start is not None and span.end is not None) or span.line_start is not None


def overlap(report: Span, planted: Span, *, code: bool) -> float:
    """How much two spans share, as a fraction of the shorter one (0 when either has no span).

    For code, lines decide when both have them: any shared line counts as full overlap, as
    reviewers mark whole lines while a planted mutation may be one token.
    """
    if code and report.line_start is not None and planted.line_start is not None:
        r_end = report.line_end or report.line_start
        p_end = planted.line_end or planted.line_start
        return 1.0 if report.line_start <= p_end and planted.line_start <= r_end else 0.0
    if None in (report.start, report.end, planted.start, planted.end):
        return 0.0
    assert report.start is not None and report.end is not None
    assert planted.start is not None and planted.end is not None
    shared = min(report.end, planted.end) - max(report.start, planted.start)
    shorter = min(report.end - report.start, planted.end - planted.start)
    if shorter <= 0:
        return 1.0 if shared >= 0 and report.start <= planted.end and planted.start <= report.end else 0.0
    return max(0.0, shared / shorter)


def propose(report: Span, planted: dict[int, Span], *, code: bool, threshold: float) -> int | None:
    """The planted flaw (by id) the report overlaps most, if at least `threshold`."""
    best, best_overlap = None, 0.0
    for flaw_id, span in sorted(planted.items()):
        share = overlap(report, span, code=code)
        if share >= threshold and share > best_overlap:
            best, best_overlap = flaw_id, share
    return best
