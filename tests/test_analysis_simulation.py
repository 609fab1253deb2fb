"""Fast validity checks of the study analysis on simulated studies (well under a minute).

Each bound is one the analysis passes with a wide margin and the previous analysis failed (the
full grid is bench/analysis_validity.py).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd
import pytest

from annotation.results.analysis import metrics, mixed
from tests.simulate import CONTROL, World, simulate_study

METRICS, MIXED = metrics, mixed


def _catch(frame: pd.DataFrame, seed: int) -> tuple[tuple[float, float], tuple[float, float], bool]:
    """(bootstrap interval, mixed interval, mixed converged) for the catch-rate difference."""
    _, differences = METRICS.analyse(frame, control=CONTROL, draws=400, seed=seed, metrics=["catch_rate"])
    d = next(d for d in differences if d.metric == "catch_rate")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        effects = MIXED.mixed_effects(frame, control=CONTROL, metrics=["catch_rate"])
    m = next((m for m in effects if m.metric == "catch_rate"), None)
    mixed = (m.low, m.high) if m else (float("nan"), float("nan"))
    return (d.low, d.high), mixed, bool(m and m.converged)


def _study_stats(design: Literal["within", "between"], contractors: int, items: int, studies: int) -> dict[str, float]:
    world = World()
    truth = world.true_effect()
    out: dict[str, list[float]] = {}
    for kind, lift in (("effect", world.lift), ("null", 0.0)):
        for seed in range(studies):
            frame = simulate_study(World(lift=lift), design=design, contractors=contractors, items=items, reviews=1,
                                   seed=(7_000_000 if kind == "null" else 8_000_000) + seed)  # fmt: skip
            boot, mixed, converged = _catch(frame, seed)
            target = truth if kind == "effect" else 0.0
            for method, (low, high) in (("bootstrap", boot), ("mixed", mixed)):
                inside = bool(low <= target <= high)
                out.setdefault(f"{method}_{'coverage' if kind == 'effect' else 'fpr'}", []).append(
                    float(inside if kind == "effect" else not inside)
                )
            out.setdefault("converged", []).append(float(converged))
    return {key: float(np.mean(values)) for key, values in out.items()}


@pytest.fixture(scope="module")
def between_8() -> dict[str, float]:
    """500 + 500 between-subject studies, 8 contractors x 40 items, one review per item and arm."""
    return _study_stats("between", 8, 40, 500)


@pytest.mark.parametrize("method", ["bootstrap", "mixed"])
def test_8_contractor_between_subject_intervals_cover_and_rarely_reject_a_null(
    between_8: dict[str, float], method: str
) -> None:
    """Simulated (bench/analysis_validity.py): coverage 0.94, false positives 0.055; the old code: 0.90 and 0.09."""
    print(between_8)
    assert between_8[f"{method}_coverage"] >= 0.91
    assert between_8[f"{method}_fpr"] <= 0.075


def test_fits_of_ordinary_studies_are_flagged_converged(between_8: dict[str, float]) -> None:
    assert between_8["converged"] >= 0.99


def test_regression_on_a_large_within_subject_study_is_calibrated() -> None:
    """40 contractors x 200 items: the old absorbed mixed model had 80.7% coverage and 23% false positives."""
    world, truth = World(), World().true_effect()
    covered: list[bool] = []
    rejected: list[bool] = []
    for seed in range(100):
        for lift, target, sink in ((world.lift, truth, covered), (0.0, 0.0, rejected)):
            frame = simulate_study(World(lift=lift), design="within", contractors=40, items=200, reviews=1,
                                   seed=9_000_000 + seed)  # fmt: skip
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                effect = next(e for e in MIXED.mixed_effects(frame, control=CONTROL) if e.metric == "catch_rate")
            inside = effect.low <= target <= effect.high
            sink.append(inside if sink is covered else not inside)
    print("coverage", np.mean(covered), "false positives", np.mean(rejected))
    assert np.mean(covered) >= 0.88
    assert np.mean(rejected) <= 0.1


def test_between_subject_contractor_draws_never_empty_an_arm() -> None:
    frame = simulate_study(World(), design="between", contractors=4, items=20, reviews=1, seed=3)
    contractor, n = METRICS._codes(frame["contractor"])
    home = frame.groupby("contractor")["arm"].first().sort_index().to_numpy()
    strata = [np.flatnonzero(home == arm) for arm in np.unique(home)]
    weights = METRICS.draw_counts(np.random.default_rng(0), strata, n, 2000)[:, contractor]
    for arm in frame["arm"].unique():
        assert (weights[:, (frame["arm"] == arm).to_numpy()].sum(axis=1) > 0).all()


def test_rate_intervals_stay_inside_zero_and_one() -> None:
    easy = World(base=3.5, lift=1.0)  # catch rates near 1
    for seed in range(20):
        frame = simulate_study(easy, design="between", contractors=8, items=40, reviews=1, seed=seed)
        estimates, differences = METRICS.analyse(frame, control=CONTROL, draws=200, seed=seed)
        for e in estimates:
            if e.metric.startswith("catch_rate") and not np.isnan(e.low):
                assert 0.0 <= e.low <= e.value <= e.high <= 1.0, e
        for d in differences:
            if d.metric.startswith("catch_rate") and not np.isnan(d.low):
                assert -1.0 <= d.low <= d.high <= 1.0, d


def test_alpha_matches_the_krippendorff_package_and_is_fast() -> None:
    import time

    import krippendorff

    rng = np.random.default_rng(0)
    for trial in range(20):
        level: Literal["nominal", "ordinal"] = "nominal" if trial % 2 else "ordinal"
        data = rng.integers(1, 6, (8, 60)).astype(float) + (rng.random(60) > 0.5)
        data[rng.random(data.shape) < 0.4] = np.nan
        rows = [(r, u, data[r, u]) for r in range(8) for u in range(60) if not np.isnan(data[r, u])]
        table = pd.DataFrame(rows, columns=["contractor", "item", "v"])
        result = METRICS.agreement(table, value="v", unit="item", level=level, draws=50)
        assert result is not None
        assert result[0] == pytest.approx(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
        assert result[1] <= result[0] <= result[2] <= 1.0
    frame = simulate_study(World(), design="within", contractors=100, items=1000, reviews=2, seed=1)
    start = time.perf_counter()
    for _, rows in frame.groupby("arm"):
        METRICS.agreement(rows, value="rating", unit="item", level="ordinal")
    assert time.perf_counter() - start < 1.5
