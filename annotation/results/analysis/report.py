"""A study's full analysis, as the results page, the CSV and the API present it."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from annotation.results.analysis.frame import study_frames
from annotation.results.analysis.metrics import METHOD as BOOTSTRAP_METHOD
from annotation.results.analysis.metrics import METRICS, Difference, Estimate, agreement, analyse
from annotation.results.analysis.mixed import MixedEffect, mixed_effects
from annotation.results.analysis.tallies import LabelAgreement, label_agreement, pending_by_arm, skips_by_arm
from annotation.results.exporting.writers import spreadsheet_safe
from annotation.studies.models import ArmKind, Study

METHOD = (
    f"{BOOTSTRAP_METHOD} Where V_c + V_i - V_r is not positive, the larger of V_c and V_i is used and the "
    "figure is marked 'fallback'. Arm effects are also estimated by weighted least squares of the per-review "
    "outcome on the arm (item fixed effects within-subject) with two-way cluster-robust errors by contractor "
    "and item and the same t degrees of freedom: the same quantity, a second opinion on the interval. Both "
    "assume contractors and items are independent draws from their populations; neither assumes the effect is "
    "the same for every contractor. Reports are judged by confirmed adjudications, or else by the automatic "
    "match to planted flaws (counted as 'auto-judged'); reports that point nowhere await adjudication and count "
    "in no rate."
)


@dataclass
class Results:
    study: Study
    frame: pd.DataFrame
    control: str | None
    estimates: list[Estimate]
    differences: list[Difference]
    mixed: list[MixedEffect]
    rating_alpha: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    caught_alpha: dict[str, tuple[float, float, float] | None] = field(default_factory=dict)
    reviews: int = 0
    contractors: int = 0
    items: int = 0
    auto_judged: int = 0
    pending: dict[str, int] = field(default_factory=dict)
    skips: dict[str, dict[str, int]] = field(default_factory=dict)
    label_agreement: LabelAgreement | None = None
    method: str = METHOD

    def estimate(self, metric: str, arm: str) -> Estimate | None:
        return next((e for e in self.estimates if e.metric == metric and e.arm == arm), None)

    @property
    def arms(self) -> list[str]:
        return list(dict.fromkeys(e.arm for e in self.estimates))


def study_results(study: Study, *, draws: int = 1000, progress: Callable[[int, str], None] | None = None) -> Results:
    step = progress or (lambda percent, stage: None)
    step(5, "reading the reviews")
    frame, caught = study_frames(study)
    step(25, "bootstrap intervals")
    control = study.arms.filter(kind=ArmKind.UNASSISTED).values_list("name", flat=True).first()
    design = study.design if study.design in ("within", "between") else None
    estimates, differences = analyse(frame, control=control, draws=draws, seed=study.seed, design=design)  # type: ignore[arg-type]
    step(55, "regression estimates")
    estimates = [_within_range(e) for e in estimates]
    mixed = mixed_effects(frame, control=control, design=design) if control and not frame.empty else []  # type: ignore[arg-type]
    results = Results(study, frame, control, estimates, differences, mixed)
    results.pending = pending_by_arm(frame)
    results.skips = skips_by_arm(study)
    results.label_agreement = label_agreement(study, seed=study.seed)
    step(75, "agreement")
    if not frame.empty:
        results.reviews = len(frame)
        results.contractors = frame["contractor"].nunique()
        results.items = frame["item"].nunique()
        results.auto_judged = int(frame["auto_judged"].sum())
        for arm, rows in frame.groupby("arm"):
            results.rating_alpha[str(arm)] = agreement(rows, value="rating", unit="item", level="ordinal")
            results.caught_alpha[str(arm)] = agreement(
                caught[caught["arm"] == arm], value="caught", unit="unit", level="nominal"
            )
    return results


# What a per-review mean can be: its interval is cut to the range (a small study's t interval can
# reach below zero flaws per item).
RANGES = {"flaws_per_item": (0.0, math.inf), "valid_per_item": (0.0, math.inf), "active_s": (0.0, math.inf),
          "rating": (1.0, 7.0)}  # fmt: skip


def _within_range(estimate: Estimate) -> Estimate:
    if estimate.metric not in RANGES:
        return estimate
    low, high = RANGES[estimate.metric]
    return replace(estimate, low=min(max(estimate.low, low), high), high=max(min(estimate.high, high), low))


def results_csv(data: dict[str, Any]) -> str:
    """The CSV download, from the stored analysis (results_dict's shape)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["metric", "label", "arm", "estimate", "ci_low", "ci_high", "contractors", "items", "reviews",
                     "difference_vs_control", "diff_ci_low", "diff_ci_high", "mixed_coefficient", "mixed_ci_low",
                     "mixed_ci_high", "mixed_p"])  # fmt: skip
    for e in data["estimates"]:
        key = (e["metric"], e["arm"])
        d = next((d for d in data["differences"] if (d["metric"], d["arm"]) == key), None)
        m = next((m for m in data["mixed_effects"] if (m["metric"], m["arm"]) == key), None)
        writer.writerow(
            [e["metric"], METRICS[e["metric"]][2], spreadsheet_safe(e["arm"]), e["value"], e["low"], e["high"],
             e["contractors"], e["items"], e["reviews"]]
            + ([d["value"], d["low"], d["high"]] if d else ["", "", ""])
            + ([m["coefficient"], m["low"], m["high"], m["p_value"]] if m else ["", "", "", ""])
        )  # fmt: skip
    return out.getvalue()


def _finite(value: object) -> object:
    """JSON has no NaN: an undefined figure (no data behind it) becomes null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def results_dict(results: Results) -> dict[str, Any]:
    return _finite(
        {
            "study": results.study.pk,
            "control": results.control,
            "method": results.method,
            "reviews": results.reviews,
            "contractors": results.contractors,
            "items": results.items,
            "auto_judged_reports": results.auto_judged,
            "reports_awaiting_adjudication": {arm: n for arm, n in results.pending.items() if n},
            "skipped_tasks": results.skips,
            "helpfulness_vs_imported_labels": asdict(results.label_agreement) if results.label_agreement else None,
            "estimates": [asdict(e) for e in results.estimates],
            "differences": [asdict(d) | {"significant": d.significant} for d in results.differences],
            "mixed_effects": [asdict(m) for m in results.mixed],
            "rating_alpha": results.rating_alpha,
            "caught_alpha": results.caught_alpha,
        }
    )  # type: ignore[return-value]
