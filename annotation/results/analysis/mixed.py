"""Arm effects by weighted least squares with two-way cluster-robust intervals (no random effects).

The module keeps its name, `mixed_effects` and `MixedEffect` so that callers need not change.

Estimate. For each metric of metrics.METRICS the per-review outcome is y = numerator / denominator,
weighted by the denominator (the catch rate: caught / planted, weight planted; a per-review mean:
weight 1); reviews with a zero denominator drop out. Without further terms, the weighted least
squares coefficient of an arm is exactly the ratio-of-sums difference of the metrics module (the
arm's ratio minus the control's). Within-subject, for metrics whose denominator the design fixes
(planted flaws; one per review), item fixed effects are added (absorbed by weighted demeaning within
items), making the coefficient a within-item comparison; when every item has the same share of
each arm's denominator (the planner's balance, always so when all assigned reviews are in) it is
still exactly the ratio-of-sums difference. Between-subject no item effects are used: an item's
effect would be estimated from a few reviews by contractors the planner pairs across arms, and
the clustered errors would then understate the contractor variance (92% coverage in simulation).

Interval. Two-way cluster-robust covariance by contractor and item (Cameron, Gelbach and Miller
2011): V = V_contractor + V_item - V_contractor-x-item, each a sandwich with the G/(G-1) factor
(between-subject, contractors are nested in arms and the factor is n_a/(n_a-1) within each arm's
group, as in a two-sample comparison). Where V is not positive, the one-way covariance with the
larger trace is used and `variance` says "fallback". The 95% interval and the p-value use t with
the degrees of freedom of metrics.two_way_df (the larger of min(G - A, I - 1) and Satterthwaite's
approximation; A = 1 within-subject, the number of arms between-subject). Differences of rates
are truncated to [-1, 1]. Within-subject, the covariance equals statsmodels'
WLS(...).fit(cov_type="cluster", cov_kwds={"groups": [contractor, item]}) on the demeaned data, up to
statsmodels' extra (N-1)/(N-K) factor (checked in the prototype).

Assumptions: contractors and items are independent draws from their populations, reviews by
different contractors of different items independent, and enough contractors for the t
approximation (simulated coverage 93-97% from 8 contractors). No normality, no equal variances,
and no common effect across contractors is assumed. `converged` is False only for a degenerate
fit: an arm without contrast (after absorbing items), fewer than two contractors or items (or,
between-subject, an arm with fewer than two contractors), or a variance that is not positive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from annotation.results.analysis.metrics import DESIGN_DENOMINATOR, METRICS, RATES, Design, infer_design, two_way_df

METHOD = (
    "weighted least squares of the per-review outcome (weight: its denominator) on arm, with item fixed effects "
    "within-subject; two-way cluster-robust (contractor, item) standard errors; t critical value"
)


@dataclass(frozen=True)
class MixedEffect:
    metric: str
    arm: str
    coefficient: float
    low: float
    high: float
    p_value: float
    converged: bool  # False only for a degenerate fit (see the module docstring)
    method: str
    se: float = float("nan")
    df: float = 0.0
    design: str = "within"
    variance: str = "two-way"  # or "fallback" or "degenerate"


@dataclass(frozen=True)
class Fit:
    coefficients: np.ndarray  # one per non-control arm
    covariance: np.ndarray
    df: np.ndarray  # per coefficient
    variance: str
    ok: bool


def _demean(values: np.ndarray, weights: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Weighted within-group demeaning of each column of `values` (rows x columns)."""
    n = int(groups.max()) + 1
    mass = np.bincount(groups, weights=weights, minlength=n)
    means = np.stack([np.bincount(groups, weights=c * weights, minlength=n) for c in values.T], axis=1)
    return np.asarray(values - (means / np.where(mass > 0, mass, 1)[:, None])[groups])


def _meat(scores: np.ndarray, groups: np.ndarray, strata: np.ndarray | None = None) -> np.ndarray:
    """sum_g s_g s_g' over clusters, with the G/(G-1) factor (per stratum, when clusters are nested in strata)."""
    _, groups = np.unique(groups, return_inverse=True)
    n = int(groups.max()) + 1
    sums = np.stack([np.bincount(groups, weights=column, minlength=n) for column in scores.T], axis=1)
    factor = np.full(n, n / max(n - 1, 1))
    if strata is not None:
        stratum = np.zeros(n, dtype=np.int64)
        stratum[groups] = strata
        sizes = np.bincount(stratum)[stratum]
        factor = sizes / np.maximum(sizes - 1, 1)
    return np.asarray((sums * factor[:, None]).T @ sums)


def fit(
    y: np.ndarray,
    weights: np.ndarray,
    arm: np.ndarray,
    contractor: np.ndarray,
    item: np.ndarray,
    *,
    design: Design,
    absorb_items: bool,
) -> Fit:
    """WLS of y on arm dummies (arm codes 0..K-1, 0 the control); two-way clustered covariance."""
    n_arms = int(arm.max()) + 1
    _, item = np.unique(item, return_inverse=True)
    _, contractor = np.unique(contractor, return_inverse=True)
    n_items, n_contractors = int(item.max()) + 1, int(contractor.max()) + 1
    absorb = item if absorb_items else np.zeros_like(item)  # else: an intercept only
    x = _demean((arm[:, None] == np.arange(1, n_arms)[None, :]).astype(float), weights, absorb)
    z = _demean(y[:, None], weights, absorb)[:, 0]
    xtwx = (x * weights[:, None]).T @ x
    nested = n_arms if design == "between" else 1
    per_arm = [len(np.unique(contractor[arm == k])) for k in range(n_arms)]
    degenerate = (
        n_contractors < 2
        or n_items < 2
        or (design == "between" and min(per_arm) < 2)
        or not np.all(np.isfinite(xtwx))
        or np.linalg.matrix_rank(xtwx) < n_arms - 1
    )
    if degenerate:
        nan = np.full(n_arms - 1, np.nan)
        return Fit(nan, np.diag(nan), nan, "degenerate", False)
    bread = np.linalg.inv(xtwx)
    beta = bread @ ((x * weights[:, None]).T @ z)
    scores = x * (weights * (z - x @ beta))[:, None]
    cov = {
        "contractor": bread @ _meat(scores, contractor, arm if design == "between" else None) @ bread,
        "item": bread @ _meat(scores, item) @ bread,
        "cell": bread @ _meat(scores, contractor.astype(np.int64) * n_items + item) @ bread,
    }
    combined = cov["contractor"] + cov["item"] - cov["cell"]
    variance = "two-way"
    if np.any(np.diag(combined) <= 0):
        variance = "fallback"
        combined = max(cov["contractor"], cov["item"], key=lambda c: float(np.trace(c)))
    ok = bool(np.all(np.diag(combined) > 0))
    df = np.array(
        [
            two_way_df(combined[j, j], cov["contractor"][j, j], cov["item"][j, j], n_contractors - nested, n_items - 1)
            for j in range(n_arms - 1)
        ]
    )
    return Fit(beta, combined, df, variance, ok)


def mixed_effects(
    frame: pd.DataFrame, *, control: str, design: Design | None = None, metrics: list[str] | None = None
) -> list[MixedEffect]:
    """Each arm's effect against `control`, per metric, with a 95% interval and p-value (see the module docstring)."""
    effects: list[MixedEffect] = []
    if frame.empty or frame["arm"].nunique() < 2 or control not in set(frame["arm"]):
        return effects
    design = design or infer_design(frame)
    arms = sorted(frame["arm"].unique(), key=lambda a: (a != control, a))
    arm_all = frame["arm"].map({arm: k for k, arm in enumerate(arms)}).to_numpy()
    contractor_all = pd.factorize(frame["contractor"])[0]
    item_all = pd.factorize(frame["item"])[0]
    for metric in metrics or list(METRICS):
        numerator, denominator, _ = METRICS[metric]
        num = frame[numerator].astype(float).to_numpy()
        den = np.ones(len(frame)) if denominator is None else frame[denominator].astype(float).to_numpy()
        keep = np.isfinite(num) & np.isfinite(den) & (den > 0)
        present = np.unique(arm_all[keep])
        if len(present) < 2 or present[0] != 0:
            continue
        if design == "between":  # an arm with fewer than two contractors has no contractor variance: no interval
            few = [k for k in present if len(np.unique(contractor_all[keep & (arm_all == k)])) < 2]
            for k in few if 0 not in few else present[1:]:
                nan = float("nan")
                effects.append(MixedEffect(metric, str(arms[k]), nan, nan, nan, nan, False, METHOD, design=design,
                                           variance="degenerate"))  # fmt: skip
            present = np.array([k for k in present if k not in few]) if 0 not in few else present[:1]
            keep &= np.isin(arm_all, present)
            if len(present) < 2:
                continue
        recode = np.full(len(arms), -1)
        recode[present] = np.arange(len(present))
        absorb = design == "within" and metric in DESIGN_DENOMINATOR
        result = fit(num[keep] / den[keep], den[keep], recode[arm_all[keep]], contractor_all[keep], item_all[keep],
                     design=design, absorb_items=absorb)  # fmt: skip
        for j, code in enumerate(present[1:]):
            value, df = float(result.coefficients[j]), float(result.df[j])
            se = float(np.sqrt(result.covariance[j, j]))
            t = float(stats.t.ppf(0.975, df)) if df >= 1 else float("nan")
            low, high = value - t * se, value + t * se
            if metric in RATES:
                low, high = max(low, -1.0), min(high, 1.0)
            p_value = float(2 * stats.t.sf(abs(value / se), df)) if se > 0 and df >= 1 else float("nan")
            effect = MixedEffect(
                metric, str(arms[code]), value, low, high, p_value, result.ok, METHOD, se, df, design, result.variance
            )
            effects.append(effect)
    return effects
