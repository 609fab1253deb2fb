"""The Elo analysis: outcomes from overall scores, the Bradley-Terry fit against statsmodels' logit,
ties as half wins, win rates, and intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from annotation.comparing.elo import SCALE, elo, pairs_of, strengths, win_rates, wins_matrix


def frame(rows: list[tuple[int, int, int, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["comparison", "contractor", "item", "label", "overall"])


def test_every_pair_within_a_comparison_is_one_outcome_and_equal_scores_are_a_tie() -> None:
    pairs = pairs_of(frame([(1, 1, 1, "a", 7), (1, 1, 1, "b", 3), (1, 1, 1, "c", 3), (2, 2, 1, "a", 2),
                            (2, 2, 1, "b", 5)]))  # fmt: skip
    assert pairs.labels == ["a", "b", "c"]
    outcomes = sorted(zip(pairs.a.tolist(), pairs.b.tolist(), pairs.win.tolist(), strict=True))
    assert outcomes == [(0, 1, 0.0), (0, 1, 1.0), (0, 2, 1.0), (1, 2, 0.5)]
    wins = wins_matrix(pairs)
    assert wins[1, 2] == wins[2, 1] == 0.5 and wins[0, 1] == wins[1, 0] == 1
    rates = win_rates(pairs)
    assert rates[0, 2] == 1.0 and rates[1, 2] == 0.5 and np.isnan(rates[0, 0])


def test_the_fit_is_the_bradley_terry_maximum_likelihood_that_a_logit_gives() -> None:
    rng = np.random.default_rng(5)
    truth = np.array([-1.0, -0.2, 0.4, 0.8])
    a, b, y = [], [], []
    for _ in range(3000):
        i, j = rng.choice(4, 2, replace=False)
        a.append(i)
        b.append(j)
        y.append(float(rng.random() < 1 / (1 + np.exp(truth[j] - truth[i]))))
    design = np.zeros((len(a), 4))
    design[np.arange(len(a)), a] = 1
    design[np.arange(len(a)), b] = -1
    logit = sm.GLM(np.array(y), design[:, 1:], family=sm.families.Binomial()).fit()
    reference = np.concatenate([[0.0], logit.params])
    reference -= reference.mean()
    scores = [(n, 0, 0, ("w", "x", "y", "z")[k], 7 if won == (k == i) else 1) for n, (i, j, won) in
              enumerate(zip(a, b, y, strict=True)) for k in (i, j)]  # fmt: skip
    fitted = strengths(wins_matrix(pairs_of(frame(scores))))
    assert np.allclose(fitted, reference, atol=0.005)


def test_ties_count_as_half_a_win_each_way() -> None:
    rows = [(n, n % 5, n, label, score) for n in range(40) for label, score in (("a", 4), ("b", 4))]
    fitted = strengths(wins_matrix(pairs_of(frame(rows))))
    assert np.allclose(fitted, 0, atol=1e-6)


def test_intervals_come_from_contractors_and_items_and_hold_the_estimate() -> None:
    rng = np.random.default_rng(1)
    quality = {"a": -0.8, "b": 0.0, "c": 0.8}
    rows = []
    for n in range(150):
        for label, q in quality.items():
            rows.append((n, n % 12, n // 2, label, int(np.clip(round(4 + q + rng.normal(0, 1)), 1, 7))))
    ratings = elo(pairs_of(frame(rows)), draws=200, seed=3)
    assert [r.label for r in ratings] == ["c", "b", "a"]
    for rating in ratings:
        assert rating.low < rating.elo < rating.high and 11 <= rating.df <= 74 and rating.comparisons == 300
    assert abs(sum(r.elo for r in ratings) / 3 - 1000) < 1e-6
    assert ratings[0].elo - ratings[2].elo > SCALE * 0.5


def test_no_outcomes_no_ratings() -> None:
    assert elo(pairs_of(frame([(1, 1, 1, "a", 4)])), draws=10) == []
