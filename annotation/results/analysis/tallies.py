"""What the results page counts beside the estimates: reports awaiting adjudication, skipped tasks,
and how contractors' helpfulness judgements agree with the human labels an import carried."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Count

from annotation.labeling.models import CommentJudgement, ReviewStatus, Skip
from annotation.quality.exclusions import excluded_contractors
from annotation.studies.models import CheckItem, Purpose, Study
from assist.interface import comment_labels

AGREEMENT_DRAWS = 500


@dataclass(frozen=True)
class LabelAgreement:
    """Contractors' "helpful?" answers on AI comments against the release's label of the comment's critique."""

    judgements: int
    contractors: int
    agreement: float  # share of judgements equal to the label
    low: float  # 95% percentile interval, resampling contractors
    high: float
    kappa: float  # Cohen's kappa: agreement beyond what the two marginals give by chance
    contractors_helpful: float  # share judged helpful by contractors
    labels_helpful: float  # share labelled helpful


def pending_by_arm(frame: pd.DataFrame) -> dict[str, int]:
    if frame.empty:
        return {}
    return {str(arm): int(n) for arm, n in frame.groupby("arm")["pending"].sum().items()}


def skips_by_arm(study: Study) -> dict[str, dict[str, int]]:
    counted: dict[str, dict[str, int]] = {}
    skips = (
        Skip.objects.filter(study=study)
        .exclude(contractor_id__in=excluded_contractors(study))
        .exclude(item_id__in=CheckItem.objects.filter(study=study).values("item_id"))
    )
    for row in skips.values("arm__name", "reason").annotate(n=Count("id")).order_by():
        counted.setdefault(row["arm__name"], {})[row["reason"]] = row["n"]
    return counted


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    observed = float(np.mean(a == b))
    p_a, p_b = float(np.mean(a)), float(np.mean(b))
    chance = p_a * p_b + (1 - p_a) * (1 - p_b)
    return (observed - chance) / (1 - chance) if chance < 1 else float("nan")


def label_agreement(study: Study, *, seed: int = 0) -> LabelAgreement | None:
    rows = list(
        CommentJudgement.objects.filter(
            review__assignment__study=study,
            review__assignment__purpose=Purpose.TASK,
            review__status=ReviewStatus.SUBMITTED,
            helpful__isnull=False,
        )
        .exclude(review__assignment__contractor_id__in=excluded_contractors(study))
        .values_list("review__assignment__contractor_id", "comment_id", "helpful")
    )
    labels = comment_labels({comment for _, comment, _ in rows})
    pairs = [(contractor, helpful, labels[comment]) for contractor, comment, helpful in rows if comment in labels]
    if not pairs:
        return None
    contractor = np.array([p[0] for p in pairs])
    judged = np.array([p[1] for p in pairs], dtype=bool)
    label = np.array([p[2] for p in pairs], dtype=bool)
    agree = judged == label
    groups = {c: np.flatnonzero(contractor == c) for c in np.unique(contractor)}
    rng = np.random.default_rng(seed)
    keys = list(groups)
    draws = []
    for _ in range(AGREEMENT_DRAWS):
        chosen = np.concatenate([groups[keys[i]] for i in rng.integers(0, len(keys), len(keys))])
        draws.append(agree[chosen].mean())
    low, high = np.percentile(draws, [2.5, 97.5])
    return LabelAgreement(
        judgements=len(pairs),
        contractors=len(keys),
        agreement=float(agree.mean()),
        low=float(low),
        high=float(high),
        kappa=_kappa(judged, label),
        contractors_helpful=float(judged.mean()),
        labels_helpful=float(label.mean()),
    )
