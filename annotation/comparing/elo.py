"""Elo from comparison tasks: Bradley-Terry on pairwise outcomes, with two-way bootstrap intervals.

Outcomes. Within one comparison every pair of critiques is one outcome, decided by the overall
scores the contractor gave them: the higher wins, equal scores are a tie, counted as half a win
each way (so a comparison of k critiques gives k(k-1)/2 outcomes).

Fit. Bradley-Terry strengths by choix's iterative Luce spectral ranking on the matrix of (half)
wins, with a tiny prior (ALPHA pseudo-wins per cell) so that a critic that never lost still has
a finite strength. Strengths are centred (mean 0) and reported on the Elo scale,
1000 + 400 / ln(10) x strength: a 100-point gap is a 64% chance of winning a comparison.

Intervals. As for the review metrics (annotation.results.analysis.metrics): the fit is repeated
on three bootstraps (contractors, items, comparisons; n-1 of n drawn with replacement, every
outcome of a drawn unit kept together), V = V_contractors + V_items - V_comparisons (or the
larger one-way variance where that is not positive, marked "fallback"), and the 95% interval is
Elo +- t(0.975, df) sqrt(V) with df from the numbers of contractors and items.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import choix
import numpy as np
import pandas as pd

from annotation.results.analysis.metrics import _var, combined_variance, draw_counts, t_interval

ALPHA = 0.01
SCALE = 400 / np.log(10)
BASE = 1000.0


@dataclass(frozen=True)
class Pairs:
    """Pairwise outcomes: row r says critic a[r] met critic b[r] and scored win[r] (1, 0.5 or 0)."""

    labels: list[str]
    a: np.ndarray
    b: np.ndarray
    win: np.ndarray
    contractor: np.ndarray
    item: np.ndarray
    comparison: np.ndarray


@dataclass(frozen=True)
class Rating:
    label: str
    elo: float
    low: float
    high: float
    se: float
    df: float
    comparisons: int
    win_rate: float
    variance: str = "two-way"


def pairs_of(scores: pd.DataFrame) -> Pairs:
    """From one row per rated critique (comparison, contractor, item, label, overall) to outcomes."""
    scores = scores.dropna(subset=["overall"])
    labels = sorted(scores["label"].unique())
    code = {label: k for k, label in enumerate(labels)}
    rows: list[tuple[int, int, float, object, object, object]] = []
    for comparison, group in scores.groupby("comparison", sort=True):
        entries = list(zip(group["label"].map(code), group["overall"], strict=True))
        contractor, item = group["contractor"].iloc[0], group["item"].iloc[0]
        for (la, sa), (lb, sb) in combinations(entries, 2):
            if la != lb:
                rows.append((la, lb, 1.0 if sa > sb else 0.5 if sa == sb else 0.0, contractor, item, comparison))
    if not rows:
        empty = np.zeros(0, dtype=int)
        return Pairs(labels, empty, empty, np.zeros(0), empty, empty, empty)
    frame = pd.DataFrame(rows, columns=["a", "b", "win", "contractor", "item", "comparison"])
    codes = {c: pd.factorize(frame[c], sort=True)[0] for c in ("contractor", "item", "comparison")}
    return Pairs(
        labels,
        frame["a"].to_numpy(),
        frame["b"].to_numpy(),
        frame["win"].to_numpy(),
        codes["contractor"],
        codes["item"],
        codes["comparison"],
    )


def wins_matrix(pairs: Pairs, weights: np.ndarray | None = None) -> np.ndarray:
    """k x k: cell (i, j) holds i's (half) wins over j."""
    k = len(pairs.labels)
    w = np.ones(len(pairs.win)) if weights is None else weights
    cells = np.bincount(pairs.a * k + pairs.b, weights=w * pairs.win, minlength=k * k)
    cells += np.bincount(pairs.b * k + pairs.a, weights=w * (1 - pairs.win), minlength=k * k)
    return cells.reshape(k, k)


def strengths(wins: np.ndarray, start: np.ndarray | None = None) -> np.ndarray:
    """Centred Bradley-Terry strengths (natural log-odds scale) from a wins matrix; `start` (a nearby
    fit, as for a bootstrap draw) only speeds convergence."""
    k = wins.shape[0]
    if k < 2:
        return np.zeros(k)
    params = np.asarray(
        choix.ilsr_pairwise_dense(
            wins, alpha=ALPHA, initial_params=start, max_iter=500, tol=1e-10 if start is None else 1e-8
        )
    )
    return params - params.mean()


def win_rates(pairs: Pairs) -> np.ndarray:
    """k x k: the share of i's meetings with j that i won (ties half); NaN where they never met."""
    wins = wins_matrix(pairs)
    met = wins + wins.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(met > 0, wins / np.where(met > 0, met, 1), np.nan)


def elo(pairs: Pairs, *, draws: int = 1000, seed: int = 0) -> list[Rating]:
    k = len(pairs.labels)
    if k < 2 or not len(pairs.win):
        return []
    point = strengths(wins_matrix(pairs))
    rng = np.random.default_rng(seed)
    n_c, n_i, n_r = (int(codes.max()) + 1 for codes in (pairs.contractor, pairs.item, pairs.comparison))
    replicated = {}
    for scheme, codes, n in (
        ("contractor", pairs.contractor, n_c),
        ("item", pairs.item, n_i),
        ("review", pairs.comparison, n_r),
    ):
        counts = draw_counts(rng, [np.arange(n)], n, draws)
        replicated[scheme] = np.stack([strengths(wins_matrix(pairs, counts[d, codes]), point) for d in range(draws)])
    meetings = np.bincount(pairs.a, minlength=k) + np.bincount(pairs.b, minlength=k)
    wins = wins_matrix(pairs)
    ratings = []
    for j, label in enumerate(pairs.labels):
        variances = {scheme: _var(values[:, j]) for scheme, values in replicated.items()}
        variance, df, kind = combined_variance(variances, n_c - 1, n_i - 1)
        low, high = t_interval(float(point[j]), variance, df)
        total = wins[j].sum() + wins[:, j].sum()
        ratings.append(
            Rating(
                label,
                BASE + SCALE * float(point[j]),
                BASE + SCALE * low,
                BASE + SCALE * high,
                SCALE * float(np.sqrt(variance)),
                float(df),
                int(meetings[j]),
                float(wins[j].sum() / total) if total else float("nan"),
                kind,
            )
        )
    return sorted(ratings, key=lambda rating: -rating.elo)
