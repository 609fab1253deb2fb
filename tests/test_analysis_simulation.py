"""The analysis on many simulated studies: intervals cover the true effect about 95% of the time,
and a study with no effect rarely looks like it has one."""

from __future__ import annotations

import numpy as np

from annotation.results.analysis.metrics import analyse
from annotation.results.analysis.mixed import mixed_effects
from tests.simulate import World, simulate_study

STUDIES = 100


def _catch_difference(world: World, seed: int) -> tuple[float, float, float]:
    frame = simulate_study(world, contractors=30, items=100, reviews=2, seed=seed)
    _, differences = analyse(frame, control="unassisted", draws=400, seed=seed)
    diff = next(d for d in differences if d.metric == "catch_rate")
    return diff.value, diff.low, diff.high


def test_bootstrap_intervals_cover_the_true_lift_about_95_percent_of_the_time() -> None:
    world = World(lift=0.6)
    truth = world.true_effect()
    assert 0.08 < truth < 0.2
    results = [_catch_difference(world, seed) for seed in range(STUDIES)]
    covered = np.mean([low <= truth <= high for _, low, high in results])
    estimates = np.array([value for value, _, _ in results])
    assert abs(estimates.mean() - truth) < 0.015  # unbiased
    print(f"coverage {covered:.3f}")
    assert 0.88 <= covered <= 0.99, covered
    assert np.mean([low > 0 for _, low, _ in results]) > 0.6  # and the lift is usually detected


def test_a_null_effect_is_rarely_significant() -> None:
    world = World(lift=0.0)
    assert abs(world.true_effect()) < 1e-3
    results = [_catch_difference(world, 1000 + seed) for seed in range(STUDIES)]
    false_positives = np.mean([low > 0 or high < 0 for _, low, high in results])
    assert false_positives <= 0.1, false_positives


def test_the_mixed_model_recovers_the_lift_with_an_interval_around_it() -> None:
    world = World(lift=0.6)
    frame = simulate_study(world, contractors=24, items=40, reviews=2, seed=7)
    effect = next(e for e in mixed_effects(frame, control="unassisted") if e.metric == "catch_rate")
    assert effect.low < world.true_effect() < effect.high
    assert effect.method.startswith("crossed random intercepts")
