"""Synthetic studies with a known effect of assistance, to check that the analysis tells the truth.

Contractors have a skill and items a difficulty (both normal on the logit scale); each item
has one planted flaw, caught with probability logistic(base + skill - difficulty + lift if
assisted). The true effect on the catch rate is the population average of that probability
difference, computed once by Monte Carlo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from annotation.results.analysis.frame import COLUMNS


@dataclass(frozen=True)
class World:
    base: float = -0.2
    lift: float = 0.6
    skill_sd: float = 0.8
    difficulty_sd: float = 0.8

    def true_effect(self, draws: int = 2_000_000, seed: int = 12345) -> float:
        rng = np.random.default_rng(seed)
        eta = self.base + rng.normal(0, self.skill_sd, draws) - rng.normal(0, self.difficulty_sd, draws)
        return float(np.mean(1 / (1 + np.exp(-(eta + self.lift))) - 1 / (1 + np.exp(-eta))))


def simulate_study(world: World, *, contractors: int, items: int, reviews: int, seed: int) -> pd.DataFrame:
    """A within-subject study: each item is reviewed `reviews` times in each arm by distinct contractors."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(0, world.skill_sd, contractors)
    difficulty = rng.normal(0, world.difficulty_sd, items)
    rows: list[dict[str, Any]] = []
    for item in range(items):
        chosen = rng.choice(contractors, 2 * reviews, replace=False)
        for slot, contractor in enumerate(chosen):
            assisted = slot % 2 == 1
            eta = world.base + skill[contractor] - difficulty[item] + (world.lift if assisted else 0.0)
            caught = int(rng.random() < 1 / (1 + np.exp(-eta)))
            reported = caught + int(rng.poisson(0.5))
            row: dict[str, Any] = dict.fromkeys(COLUMNS, 0)
            row |= {
                "review": len(rows), "assignment": len(rows), "contractor": int(contractor), "item": item,
                "arm": "assisted" if assisted else "unassisted", "arm_kind": "assisted" if assisted else "unassisted",
                "reported": reported, "valid": caught, "invalid": reported - caught, "planted": 1, "caught": caught,
                "planted_major": 1, "caught_major": caught, "active_s": float(rng.gamma(2.0, 60.0)),
                "rating": int(rng.integers(1, 8)),
            }  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)
