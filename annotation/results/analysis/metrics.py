"""Per-arm metrics and arm differences with two-way cluster bootstrap intervals; Krippendorff's alpha.

Estimates. Every metric is a ratio of sums over an arm's submitted reviews,
sum(numerator) / sum(denominator), a per-review mean where the denominator is the number of
reviews. The catch rate is planted flaws caught / planted flaws, pooled over the arm's reviews.
A difference is an arm's ratio minus the control arm's ratio.

Intervals. A contractor reviews many items and an item is reviewed by many contractors, and the
interval is for the populations of contractors and items the study's were drawn from. Three
bootstraps are run, with the same draws for every arm and metric (so a difference keeps the
pairing of a within-subject design):

- contractors: each draw takes G-1 of the G contractors with replacement; between-subject (every
  contractor in one arm), n_a - 1 of the n_a contractors of each arm, so no arm is ever empty;
- items: I-1 of the I items with replacement;
- reviews: N-1 of the N reviews with replacement.

Drawing n-1 of n makes the bootstrap variance of a mean unbiased (n/(n-1) times the plug-in one).
The variance is V = V_contractors + V_items - V_reviews, the two-way cluster-robust variance
(Cameron, Gelbach and Miller 2011): each one-way variance holds the review-level noise once, so it
is subtracted once. Where V is not positive (neither dimension clusters, and chance did the rest)
the larger of V_contractors and V_items is used and `variance` says "fallback".

Within-subject, for a difference of a metric whose denominator the design fixes (planted flaws,
or one per review), the contractor and review draws use the numerator centred within items,
numerator - denominator x (the item's pooled ratio over all arms). Resampling contractors changes
how often each item appears in each arm, which the design never does; centring removes the item
differences that this would drag into the variance. The difference itself is unchanged.

The 95% interval is estimate +- t(0.975, df) sqrt(V). df is the larger of min(G - A, I - 1) and
Satterthwaite's approximation for V_c + V_i (V_c with G - A and V_i with I - 1 df), capped at
max(G - A, I - 1); A = 1 within-subject, the number of arms between-subject (as in a two-sample t
test). For one arm's estimate G and I count that arm's contractors and items, and A = 1. A rate
(a metric between 0 and 1) gets its interval on the logit scale, logit(p) +- t sqrt(V) / (p (1 - p)),
mapped back, so it lies in [0, 1]; where p is 0 or 1 the interval runs to the exact (Clopper-Pearson)
bound for no (or all) events in df + 1 trials. Differences of rates are truncated to [-1, 1].
Between-subject, an arm with fewer than two contractors gives no interval (its contractor variance
cannot be estimated).

Assumptions: contractors and items are independent draws from their populations, reviews by
different contractors of different items are independent, and there are enough contractors for
the t approximation (simulated coverage is 93-97% from 8 contractors; see bench/analysis_validity.py).
Nothing is assumed about the form of contractor or item effects or about the effect of assistance
being the same for every contractor.

Krippendorff's alpha (`agreement`) is computed from the coincidence matrix (as the `krippendorff`
package does). Its interval combines bootstraps over contractors, units and single values in the
same way (a pair of values counts with the product of its members' multiplicities; for units, with
the unit's) on the scale of log(1 - alpha) = log(D_o / D_e), so its upper end stays below 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

# name -> (numerator, denominator or None for a per-review mean, label)
METRICS: dict[str, tuple[str, str | None, str]] = {
    "catch_rate": ("caught", "planted", "Catch rate of planted flaws"),
    "catch_rate_critical": ("caught_critical", "planted_critical", "Catch rate, critical flaws"),
    "catch_rate_major": ("caught_major", "planted_major", "Catch rate, major flaws"),
    "catch_rate_minor": ("caught_minor", "planted_minor", "Catch rate, minor flaws"),
    "flaws_per_item": ("reported", None, "Flaws reported per item"),
    "valid_per_item": ("valid", None, "Valid flaws per item"),
    "precision": ("valid", "judged", "Precision (valid / judged reports; reports awaiting adjudication left out)"),
    "ai_acceptance": ("ai_accepted", "ai_shown", "AI comments accepted"),
    "ai_rejection": ("ai_rejected", "ai_shown", "AI comments rejected as wrong"),
    "ai_ungrounded": ("ai_ungrounded", "ai_shown", "AI comments with ungrounded quotes"),
    "ai_helpful": ("ai_helpful", "ai_helpful_answered", "AI comments judged helpful"),
    "active_s": ("active_s", None, "Active time per task (s)"),
    "rating": ("rating", None, "Overall rating (1-7)"),
}
# Metrics that are proportions of a count (between 0 and 1): logit-scale intervals.
RATES = frozenset(name for name, (_, den, _) in METRICS.items() if den is not None)
# Metrics whose denominator the design fixes (not a reviewer's behaviour): centred within items within-subject.
DESIGN_DENOMINATOR = frozenset(
    name for name, (_, den, _) in METRICS.items() if den is None or den.startswith("planted")
)
BOOTSTRAP_DRAWS = 1000
Design = Literal["within", "between"]
METHOD = (
    "Ratio-of-sums estimates over submitted reviews. 95% intervals: two-way cluster bootstrap over contractors "
    "(within each arm in a between-subject study) and items, V = V_contractors + V_items - V_reviews, with a t "
    "critical value (degrees of freedom from the numbers of contractors and items); rates on the logit scale."
)


@dataclass(frozen=True)
class Estimate:
    metric: str
    arm: str
    value: float
    low: float
    high: float
    contractors: int
    items: int
    reviews: int
    se: float = float("nan")
    df: float = 0.0
    variance: str = "two-way"  # or "fallback": V_c + V_i - V_r was not positive, max(V_c, V_i) used


@dataclass(frozen=True)
class Difference:
    metric: str
    arm: str
    control: str
    value: float
    low: float
    high: float
    se: float = float("nan")
    df: float = 0.0
    design: str = "within"
    variance: str = "two-way"

    @property
    def significant(self) -> bool:
        return bool(self.low > 0 or self.high < 0)


def infer_design(frame: pd.DataFrame) -> Design:
    """Between-subject when there are two or more arms and every contractor reviewed in one arm only."""
    contractor, n_contractors = _codes(frame["contractor"])
    arm, n_arms = _codes(frame["arm"])
    pairs = len(np.unique(contractor.astype(np.int64) * n_arms + arm))
    return "between" if n_arms > 1 and pairs == n_contractors else "within"


def draw_counts(rng: np.random.Generator, strata: list[np.ndarray], size: int, draws: int) -> np.ndarray:
    """draws x size multiplicities: from each stratum (cluster indices), n-1 of its n drawn with replacement."""
    counts = np.zeros((draws, size), dtype=np.float32)
    for members in strata:
        n = len(members)
        picks = rng.integers(0, n, (draws, max(n - 1, 1)))
        flat = np.bincount((picks + n * np.arange(draws)[:, None]).ravel(), minlength=draws * n)
        counts[:, members] = flat.reshape(draws, n)
    return counts


def two_way_df(combined: float, v_contractor: float, v_item: float, df_contractor: float, df_item: float) -> float:
    """The larger of min(df_c, df_i) and Satterthwaite's df for V_c + V_i - V_r (V_r taken as exact)."""
    floor = float(min(df_contractor, df_item))
    if floor < 1:
        return floor  # a dimension with a single cluster: no interval
    noise = v_contractor**2 / df_contractor + v_item**2 / df_item
    if not (combined > 0 and noise > 0):
        return floor
    return float(max(floor, min(combined**2 / noise, max(df_contractor, df_item))))


def combined_variance(variances: dict[str, float], df_contractor: float, df_item: float) -> tuple[float, float, str]:
    """V = V_c + V_i - V_r (or the fallback) and its degrees of freedom."""
    combined = variances["contractor"] + variances["item"] - variances["review"]
    kind = "two-way"
    if not combined > 0:
        combined, kind = max(variances["contractor"], variances["item"]), "fallback"
    return combined, two_way_df(combined, variances["contractor"], variances["item"], df_contractor, df_item), kind


def t_interval(value: float, variance: float, df: float, *, rate: bool = False) -> tuple[float, float]:
    """95% interval: t with df degrees of freedom; a rate's on the logit scale (see the module docstring)."""
    if not np.isfinite(variance) or df < 1:
        return float("nan"), float("nan")
    t = float(stats.t.ppf(0.975, df))
    if not rate:
        return value - t * np.sqrt(variance), value + t * np.sqrt(variance)
    if value <= 0 or value >= 1:
        bound = 1 - 0.025 ** (1 / (df + 1))  # Clopper-Pearson, no (or only) events in df + 1 trials
        return (0.0, bound) if value <= 0 else (1 - bound, 1.0)
    half = t * np.sqrt(variance) / (value * (1 - value))
    centre = np.log(value / (1 - value))
    return float(1 / (1 + np.exp(-(centre - half)))), float(1 / (1 + np.exp(-(centre + half))))


def _parts(frame: pd.DataFrame, numerator: str, denominator: str | None) -> tuple[np.ndarray, np.ndarray]:
    num = frame[numerator].astype(float).to_numpy()
    den = np.ones(len(frame)) if denominator is None else frame[denominator].astype(float).to_numpy()
    valid = ~np.isnan(num) & ~np.isnan(den)
    return np.where(valid, num, 0.0), np.where(valid, den, 0.0)


def _item_ratio(num: np.ndarray, den: np.ndarray, item: np.ndarray, n_items: int) -> np.ndarray:
    """Each review's item's pooled ratio sum(num) / sum(den) over all its reviews (0 where undefined)."""
    totals = np.bincount(item, weights=num, minlength=n_items)
    mass = np.bincount(item, weights=den, minlength=n_items)
    return np.asarray(np.where(mass > 0, totals / np.where(mass > 0, mass, 1), 0.0)[item])


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def _var(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    return float(np.var(finite, ddof=1)) if len(finite) > 1 else float("nan")


def analyse(
    frame: pd.DataFrame,
    *,
    control: str | None,
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
    design: Design | None = None,
    metrics: list[str] | None = None,
    table: dict[str, tuple[str, str | None, str]] | None = None,
    rates: frozenset[str] = RATES,
) -> tuple[list[Estimate], list[Difference]]:
    """Estimates per arm and metric, and each arm's difference from `control`, with 95% intervals.
    `table` (name -> numerator, denominator, label) and `rates` describe other metrics than the reviews'."""
    table = table or METRICS
    if frame.empty:
        return [], []
    design = design or infer_design(frame)
    names = list(metrics or table)
    arms = sorted(frame["arm"].unique(), key=lambda a: (a != control, a))
    arm_code = frame["arm"].map({arm: k for k, arm in enumerate(arms)}).to_numpy()
    n_arms = len(arms)
    contractor, n_contractors = _codes(frame["contractor"])
    item, n_items = _codes(frame["item"])
    if design == "between":
        home = np.zeros(n_contractors, dtype=int)
        home[contractor] = arm_code
        contractor_strata = [np.flatnonzero(home == k) for k in range(n_arms) if (home == k).any()]
    else:
        contractor_strata = [np.arange(n_contractors)]
    rng = np.random.default_rng(seed)
    schemes = {
        "contractor": (contractor, draw_counts(rng, contractor_strata, n_contractors, draws)),
        "item": (item, draw_counts(rng, [np.arange(n_items)], n_items, draws)),
        "review": (np.arange(len(frame)), draw_counts(rng, [np.arange(len(frame))], len(frame), draws)),
    }
    # One matrix product per scheme for every metric: cluster sums of numerator and denominator per arm.
    parts = [_parts(frame, *table[metric][:2]) for metric in names]
    # Third column: the numerator centred within items, num - den * (item's pooled ratio over all arms).
    triples = [(num, den, num - den * _item_ratio(num, den, item, n_items)) for num, den in parts]
    columns = np.stack([v for triple in triples for v in triple], axis=1)  # reviews x (3 * metrics)
    replicated: dict[str, np.ndarray] = {}
    for scheme, (codes, counts) in schemes.items():
        sums = np.zeros((counts.shape[1], n_arms, columns.shape[1]))
        np.add.at(sums, (codes, arm_code), columns)
        replicated[scheme] = (counts @ sums.reshape(counts.shape[1], -1).astype(np.float32)).reshape(
            draws, n_arms, len(names), 3
        )
    g_arm = np.array([len(np.unique(contractor[arm_code == k])) for k in range(n_arms)])
    i_arm = np.array([len(np.unique(item[arm_code == k])) for k in range(n_arms)])
    df_contractor = n_contractors - (len(contractor_strata) if design == "between" else 1)
    estimates: list[Estimate] = []
    differences: list[Difference] = []
    for m, metric in enumerate(names):
        num, den = parts[m]
        rate = metric in rates
        points: dict[int, float] = {}
        reps: dict[int, dict[str, np.ndarray]] = {}
        for k, arm in enumerate(arms):
            mask = (arm_code == k) & (den > 0)
            if den[arm_code == k].sum() <= 0:
                continue
            points[k] = float(num[arm_code == k].sum() / den[arm_code == k].sum())
            reps[k] = {s: _ratio(r[:, k, m, 0], r[:, k, m, 1]) for s, r in replicated.items()}
            g = g_arm[k] if design == "between" else n_contractors
            variance, df, kind = combined_variance(
                {s: _var(values) for s, values in reps[k].items()}, g - 1, i_arm[k] - 1
            )
            low, high = t_interval(points[k], variance, df, rate=rate)
            seen = len(np.unique(contractor[mask])), len(np.unique(item[mask])), int(mask.sum())
            se = float(np.sqrt(variance))
            estimates.append(Estimate(metric, str(arm), points[k], low, high, *seen, se, float(df), kind))
        if 0 not in points or arms[0] != control:
            continue
        for k in points:
            if k == 0:
                continue
            value = points[k] - points[0]
            differenced = {s: _var(reps[k][s] - reps[0][s]) for s in schemes}
            if design == "within" and metric in DESIGN_DENOMINATOR:  # see the module docstring
                for s in ("contractor", "review"):
                    r = replicated[s][:, :, m, :]
                    differenced[s] = _var(_ratio(r[:, k, 2], r[:, k, 1]) - _ratio(r[:, 0, 2], r[:, 0, 1]))
            variance, df, kind = combined_variance(differenced, df_contractor, n_items - 1)
            if design == "between" and min(g_arm[k], g_arm[0]) < 2:
                variance = float("nan")
            low, high = t_interval(value, variance, df)
            if rate:
                low, high = max(low, -1.0), min(high, 1.0)
            se = float(np.sqrt(variance))
            differences.append(Difference(metric, str(arms[k]), str(control), value, low, high, se, df, design, kind))
    return estimates, differences


def _codes(values: pd.Series) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(values, sort=True)
    return np.asarray(codes), len(uniques)


# --- Krippendorff's alpha ---------------------------------------------------------------------------


def _alpha(coincidences: np.ndarray, level: Literal["nominal", "ordinal"]) -> np.ndarray:
    """Alpha from coincidence matrices (... x C x C over the sorted values): 1 - (n - 1) sum(o d) / sum(n_c n_k d)."""
    n_c = coincidences.sum(axis=-1)
    n = n_c.sum(axis=-1)
    if level == "nominal":
        delta = 1.0 - np.eye(coincidences.shape[-1])
    else:  # ordinal: squared distance between the values' mid-ranks, from this matrix's own marginals
        mid = np.cumsum(n_c, axis=-1) - n_c / 2
        delta = (mid[..., :, None] - mid[..., None, :]) ** 2
    observed = (coincidences * delta).sum(axis=(-2, -1))
    expected = (n_c[..., :, None] * n_c[..., None, :] * delta).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(1 - (n - 1) * observed / expected)


def agreement(
    table: pd.DataFrame,
    *,
    value: str,
    unit: str,
    level: Literal["nominal", "ordinal"],
    draws: int = 400,
    seed: int = 0,
) -> tuple[float, float, float] | None:
    """Krippendorff's alpha over contractors x units with a 95% interval over contractors and units.

    One value per (contractor, unit), the first; units with fewer than two values are not pairable.
    None when fewer than two units are pairable or all pairable values are equal."""
    data = table[["contractor", unit, value]].dropna().drop_duplicates(["contractor", unit])
    data = data[data.groupby(unit)[value].transform("size") >= 2]
    if data[unit].nunique() < 2 or data[value].nunique() < 2:
        return None
    codes, n_values = _codes(data[value])
    contractor, n_contractors = _codes(data["contractor"])
    unit_code, n_units = _codes(data[unit])
    rows = pd.DataFrame({"u": unit_code, "r": np.arange(len(data))})
    pairs = rows.merge(rows, on="u")
    pairs = pairs[pairs["r_x"] < pairs["r_y"]]
    i, j, u = pairs["r_x"].to_numpy(), pairs["r_y"].to_numpy(), pairs["u"].to_numpy()
    size = np.bincount(unit_code, minlength=n_units)[u]
    # Each unordered pair adds 1 / (m_u - 1) to cells (v_i, v_j) and (v_j, v_i) of the coincidence matrix.
    cells = sparse.csr_matrix(
        (np.tile(1.0 / (size - 1), 2), (np.tile(np.arange(len(i)), 2),
         np.concatenate([codes[i] * n_values + codes[j], codes[j] * n_values + codes[i]]))),
        shape=(len(i), n_values * n_values),
    )  # fmt: skip
    alpha = float(_alpha(np.asarray(cells.sum(axis=0)).reshape(n_values, n_values), level))
    rng = np.random.default_rng(seed)
    by_contractor = draw_counts(rng, [np.arange(n_contractors)], n_contractors, draws)
    by_unit = draw_counts(rng, [np.arange(n_units)], n_units, draws)
    by_value = draw_counts(rng, [np.arange(len(data))], len(data), draws)
    weights = {
        "contractor": by_contractor[:, contractor[i]] * by_contractor[:, contractor[j]],
        "item": by_unit[:, u],
        "review": by_value[:, i] * by_value[:, j],
    }
    # Bootstrap variance of log(1 - alpha) = log(D_o / D_e) per scheme, combined as for the metrics.
    with np.errstate(divide="ignore", invalid="ignore"):  # a draw with no disagreement: log(0), left out
        log_ratio = {
            scheme: np.log(1 - _alpha(np.asarray((cells.T @ w.T).T).reshape(draws, n_values, n_values), level))
            for scheme, w in weights.items()
        }
    variances = {scheme: _var(values) for scheme, values in log_ratio.items()}
    variance, df, _ = combined_variance(variances, n_contractors - 1, n_units - 1)
    half = float(stats.t.ppf(0.975, df)) * np.sqrt(variance)
    if alpha >= 1 or not np.isfinite(half):
        return alpha, float("nan"), float("nan")
    centre = np.log(1 - alpha)
    return alpha, float(1 - np.exp(centre + half)), float(1 - np.exp(centre - half))
