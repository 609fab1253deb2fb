"""Synthetic studies with a known effect of assistance, laid out by the real study planner.

Who reviews which item in which arm comes from
`annotation.studies.assignment.plan()`, so the simulated studies have exactly the structure
of real ones, within- or between-subject.

The world: contractor c has a skill s_c ~ N(0, skill_sd) and, when assisted, a lift
L_c ~ N(lift, lift_sd) (lift_sd = 0: the same lift for everyone); item i has a difficulty
d_i ~ N(0, difficulty_sd) and 1..max_flaws planted flaws (uniform, independent of d_i). Each
planted flaw is caught independently with probability logistic(base + s_c - d_i + L_c * assisted).

The estimand, "the true lift", is the population-average difference in the probability that a
planted flaw is caught, assisted minus unassisted, over contractors and flaws:
E[logistic(base + s - d + L) - logistic(base + s - d)]. Because flaw counts are independent of
difficulty, this is also the population ratio of sums (caught / planted) difference, which is
what both analysis methods estimate, in either design. `World.null()` is a world whose true
lift is exactly zero; with lift_sd > 0 its contractors still differ in lift (some helped, some
hindered), so the null tests inference about the average, not just "no effect for anyone".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from annotation.results.analysis.frame import COLUMNS
from annotation.studies.assignment import plan

Design = Literal["within", "between"]
CONTROL, TREATED = "unassisted", "assisted"


def columns() -> tuple[str, ...]:
    return tuple(COLUMNS)


@dataclass(frozen=True)
class World:
    base: float = -0.2
    lift: float = 0.6
    skill_sd: float = 0.8
    difficulty_sd: float = 0.8
    lift_sd: float = 0.0
    max_flaws: int = 1

    def true_effect(self, draws: int = 2_000_000, seed: int = 12345) -> float:
        """Population-average catch-probability difference, by Monte Carlo (common random numbers)."""
        rng = np.random.default_rng(seed)
        eta = self.base + rng.normal(0, self.skill_sd, draws) - rng.normal(0, self.difficulty_sd, draws)
        lift = self.lift + self.lift_sd * rng.normal(0, 1, draws)
        return float(np.mean(_expit(eta + lift) - _expit(eta)))

    def null(self) -> World:
        """The same world with the mean lift moved so that the true effect is zero (to 1e-6)."""
        if self.lift_sd == 0:
            return replace(self, lift=0.0)
        low, high = -1.0, 1.0
        for _ in range(40):  # bisection: the true effect increases with the mean lift
            mid = (low + high) / 2
            low, high = (mid, high) if replace(self, lift=mid).true_effect(400_000) < 0 else (low, mid)
        world = replace(self, lift=(low + high) / 2)
        assert abs(world.true_effect()) < 1e-3
        return world


def _expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1 / (1 + np.exp(-x)))


def simulate_study(
    world: World, *, design: Design, contractors: int, items: int, reviews: int, seed: int, arms: int = 2
) -> pd.DataFrame:
    """One study as the analysis sees it: a frame with frame.COLUMNS, one row per submitted review."""
    return simulate(world, design=design, contractors=contractors, items=items, reviews=reviews, seed=seed,
                    arms=arms)[0]  # fmt: skip


def simulate(
    world: World, *, design: Design, contractors: int, items: int, reviews: int, seed: int, arms: int = 2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The review frame, and the (review, planted flaw) frame that `agreement` takes (unit = flaw).

    Arm 0 is "unassisted" (the control); further arms are "assisted", "assisted_2", ...; every
    assisted arm gets the world's lift, so all have the same true effect."""
    rng = np.random.default_rng(seed)
    names = [CONTROL, TREATED, *(f"{TREATED}_{k}" for k in range(2, arms))]
    slots = plan(list(range(items)), list(range(contractors)), list(range(arms)), design=design,
                 reviews=reviews, seed=seed)  # fmt: skip
    contractor = np.array([s.contractor for s in slots])
    item = np.array([s.item for s in slots])
    arm = np.array([s.arm for s in slots])
    skill = rng.normal(0, world.skill_sd, contractors)
    lift = world.lift + world.lift_sd * rng.normal(0, 1, contractors)
    difficulty = rng.normal(0, world.difficulty_sd, items)
    flaws = rng.integers(1, world.max_flaws + 1, items)
    quality = rng.normal(0, 1.0, items)  # for ratings: items differ, contractors differ in leniency
    leniency = rng.normal(0, 0.5, contractors)
    n = len(slots)
    planted = flaws[item]
    eta = world.base + skill[contractor] - difficulty[item] + np.where(arm > 0, lift[contractor], 0.0)
    review = np.repeat(np.arange(n), planted)  # one row per (review, planted flaw)
    hit = rng.random(len(review)) < _expit(eta)[review]
    caught = np.bincount(review, weights=hit, minlength=n).astype(int)
    noise = rng.poisson(0.5, n)
    rating = np.clip(np.rint(4 + quality[item] + leniency[contractor] + rng.normal(0, 0.8, n)), 1, 7).astype(int)
    arm_name = np.array(names, dtype=object)[arm]
    data: dict[str, object] = dict.fromkeys(columns(), 0)
    data |= {
        "review": np.arange(n), "assignment": np.arange(n), "contractor": contractor, "item": item,
        "arm": arm_name, "arm_kind": np.where(arm > 0, TREATED, CONTROL), "reported": caught + noise,
        "valid": caught, "invalid": noise, "planted": planted, "caught": caught, "planted_major": planted,
        "caught_major": caught, "active_s": rng.gamma(2.0, 60.0, n), "rating": rating,
    }  # fmt: skip
    frame = pd.DataFrame({name: np.broadcast_to(np.asarray(data[name]), n) for name in columns()})
    flaw = np.arange(len(review)) - np.repeat(np.cumsum(planted) - planted, planted)
    units = pd.DataFrame(
        {"contractor": contractor[review], "unit": item[review] * world.max_flaws + flaw,
         "arm": arm_name[review], "caught": hit.astype(int)}
    )  # fmt: skip
    return frame, units
