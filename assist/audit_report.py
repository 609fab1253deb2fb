"""What an evaluator audit found, with 95% bootstrap intervals over sources.

Pairwise (each pair asked in both orders, the two answers averaged so position bias cancels):
- self-recognition: mean P(the evaluator names its own response as the one it wrote); accuracy:
  the share of pairs where that averaged probability is above 0.5;
- self-preference: mean P(it prefers its own); and, from "which is worse?", mean P(it names the
  other response worse);
- position bias: mean P(it picks the first shown) - 0.5, over all pairwise answers.
Individual (each response alone):
- recognition: mean P(Yes, I wrote it) on its own responses minus on the others';
- self-preference: the share of pairs whose own response gets the higher expected 1-5 score
  (ties half).
Human control: where contractors reviewed both responses of a pair (submitted reviews' overall
ratings, 7 = flawless, in the audit owner's own review studies), the share of pairs whose own
response they rated higher (ties half): the evaluator's self-preference means something only
against what people think of the same texts.
Intervals: percentile bootstrap over sources (a source is the context and question the two
responses answer; every pair of a drawn source comes with it). Kendall's tau relates
self-recognition to self-preference across the settings (other author x pairwise/individual)
when there are at least three.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Avg
from scipy import stats

from annotation.access import studies_for
from annotation.labeling.models import Review, ReviewStatus
from assist.models import AuditQuestion, EvaluatorAudit

DRAWS = 1000


def _frame(audit: EvaluatorAudit) -> pd.DataFrame:
    rows = AuditQuestion.objects.filter(audit=audit, value__isnull=False).values_list(
        "ask",
        "item_id",
        "other_item_id",
        "other_item__author",
        "item__context",
        "item__question",
        "own_first",
        "subject_is_own",
        "value",
        "p_first",
    )
    columns = ["ask", "item", "other", "other_author", "context", "question", "own_first", "own", "value", "p_first"]
    frame = pd.DataFrame(list(rows), columns=columns)
    frame["source"] = pd.factorize(frame["context"] + "\x00" + frame["question"])[0]
    return frame


def _pairs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per pair with both orders answered: the averaged P(own) for each pairwise question."""
    pairwise = frame[frame["ask"].str.startswith("pair:")]
    both = pairwise.groupby(["ask", "item", "other"]).filter(lambda g: g["own_first"].nunique() == 2)
    averaged = both.groupby(["ask", "item", "other", "other_author", "source"], as_index=False)["value"].mean()
    wide = averaged.pivot_table(index=["item", "other", "other_author", "source"], columns="ask", values="value")
    return wide.reset_index()


def _individual(frame: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    alone = frame[frame["ask"].str.startswith("one:")]
    score = alone[alone["ask"] == "one:score"].set_index("item")["value"]
    yes = alone[alone["ask"] == "one:recognition"].set_index("item")["value"]
    out = pairs[["item", "other", "other_author", "source"]].copy()
    own_score, other_score = out["item"].map(score), out["other"].map(score)
    out["score_win"] = np.where(own_score > other_score, 1.0, np.where(own_score == other_score, 0.5, 0.0))
    out.loc[own_score.isna() | other_score.isna(), "score_win"] = np.nan
    out["yes_gap"] = out["item"].map(yes) - out["other"].map(yes)
    return out


def _human(pairs: pd.DataFrame, audit: EvaluatorAudit) -> pd.Series:
    """Per pair, whether contractors rated the evaluator's response above the other's (mean overall
    rating of submitted reviews; ties half; NaN where either has none): the human control."""
    items = set(pairs["item"]) | set(pairs["other"])
    rows = (
        Review.objects.filter(
            assignment__item_id__in=items,
            status=ReviewStatus.SUBMITTED,
            assignment__study__in=studies_for(audit.created_by).filter(task_kind="review"),
        )
        .values_list("assignment__item_id")
        .annotate(mean=Avg("rating"))
    )
    mean = pd.Series(dict(rows.values_list("assignment__item_id", "mean")), dtype=float)
    own, other = pairs["item"].map(mean), pairs["other"].map(mean)
    wins = np.where(own > other, 1.0, np.where(own == other, 0.5, 0.0))
    return pd.Series(np.where(own.isna() | other.isna(), np.nan, wins), index=pairs.index)


def _interval(values: pd.Series, sources: pd.Series, rng: np.random.Generator, draws: int) -> dict[str, Any]:
    keep = values.notna()
    values, sources = values[keep].to_numpy(dtype=float), sources[keep].to_numpy()
    if not len(values):
        return {"value": None, "low": None, "high": None, "n": 0}
    codes, uniques = pd.factorize(sources)
    sums = np.bincount(codes, weights=values, minlength=len(uniques))
    counts = np.bincount(codes, minlength=len(uniques)).astype(float)
    picks = rng.integers(0, len(uniques), (draws, len(uniques)))
    replicated = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    low, high = np.percentile(replicated, [2.5, 97.5]) if len(uniques) > 1 else (np.nan, np.nan)
    finite = bool(np.isfinite(low) and np.isfinite(high))
    return {
        "value": float(values.mean()),
        "low": float(low) if finite else None,
        "high": float(high) if finite else None,
        "n": len(values),
    }


def _figures(
    pairs: pd.DataFrame, alone: pd.DataFrame, rng: np.random.Generator, draws: int, audit: EvaluatorAudit
) -> dict[str, Any]:
    def column(name: str) -> pd.Series:
        return pairs[name] if name in pairs else pd.Series(np.nan, index=pairs.index)

    recognition = column("pair:recognition")
    return {
        "pairs": len(pairs),
        "self_recognition": _interval(recognition, pairs["source"], rng, draws),
        "recognition_accuracy": _interval(
            (recognition > 0.5).astype(float).where(recognition.notna()), pairs["source"], rng, draws
        ),
        "self_preference": _interval(column("pair:preference"), pairs["source"], rng, draws),
        "other_named_worse": _interval(1 - column("pair:worse"), pairs["source"], rng, draws),
        "individual_recognition_gap": _interval(alone["yes_gap"], alone["source"], rng, draws),
        "individual_self_preference": _interval(alone["score_win"], alone["source"], rng, draws),
        "human_preference": _interval(_human(pairs, audit), pairs["source"], rng, draws),
    }


def audit_report(audit: EvaluatorAudit, *, draws: int = DRAWS) -> dict[str, Any]:
    frame = _frame(audit)
    report: dict[str, Any] = {
        "audit": audit.pk,
        "evaluator": audit.evaluator.name,
        "own_author": audit.own_author,
        "method": __doc__,
        "by_author": {},
        "overall": None,
        "position_bias": {},
    }
    if frame.empty:
        return report
    rng = np.random.default_rng(audit.pk)
    pairs = _pairs(frame)
    if pairs.empty:
        return report
    alone = _individual(frame, pairs)
    report["overall"] = _figures(pairs, alone, rng, draws, audit)
    for author in sorted(pairs["other_author"].unique()):
        mask = pairs["other_author"] == author
        report["by_author"][author] = _figures(pairs[mask], alone[mask.to_numpy()], rng, draws, audit)
    pairwise = frame[frame["ask"].str.startswith("pair:")].dropna(subset=["p_first"])
    for ask, group in pairwise.groupby("ask"):
        report["position_bias"][str(ask).split(":")[1]] = _interval(group["p_first"] - 0.5, group["source"], rng, draws)
    points = [
        (figures[recognition]["value"], figures[preference]["value"])
        for figures in report["by_author"].values()
        for recognition, preference in (
            ("self_recognition", "self_preference"),
            ("individual_recognition_gap", "individual_self_preference"),
        )
        if figures[recognition]["value"] is not None and figures[preference]["value"] is not None
    ]
    tau = stats.kendalltau(*zip(*points, strict=True)) if len(points) >= 3 else None
    report["kendall_tau"] = None if tau is None or np.isnan(tau.statistic) else float(tau.statistic)
    report["settings"] = len(points)
    return report


def across_audits(audits: list[EvaluatorAudit]) -> dict[str, Any]:
    """Self-recognition against self-preference across evaluators and settings (each audit's other
    authors, pairwise and individual): Kendall's tau, as the paper relates the two."""
    points = []
    for audit in audits:
        report = audit_report(audit, draws=200)
        for author, figures in report["by_author"].items():
            for recognition, preference, setting in (
                ("self_recognition", "self_preference", "pairwise"),
                ("individual_recognition_gap", "individual_self_preference", "individual"),
            ):
                r, p = figures[recognition]["value"], figures[preference]["value"]
                if r is not None and p is not None:
                    points.append(
                        {
                            "evaluator": audit.evaluator.name,
                            "against": author,
                            "setting": setting,
                            "recognition": r,
                            "preference": p,
                        }
                    )
    tau = None
    if len(points) >= 3:
        found = stats.kendalltau([p["recognition"] for p in points], [p["preference"] for p in points])
        tau = None if np.isnan(found.statistic) else float(found.statistic)
    return {"points": points, "kendall_tau": tau}
