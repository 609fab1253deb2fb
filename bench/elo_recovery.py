"""Does the comparison analysis recover critics' strengths? Simulated studies through the real code.

A world has K critics of known quality. Each comparison shows m of them to one contractor, in an
order drawn at random (as Redline draws it), and the contractor scores each critique 1-7 overall:
round(4 + quality + item x critic + contractor x critic + contractor leniency + position bias +
noise), clipped to 1-7. The position bias favours whatever is shown first (about half a scale
point, varying by contractor). The estimand is the Bradley-Terry strength of each critic in the
population (the fit to a very large study of the same world), centred, on the Elo scale.

Each simulated study is analysed by annotation.comparing.elo exactly as the results page does
(pairs_of -> elo with its two-way bootstrap). Printed per cell: Spearman correlation between true
quality and estimated Elo, coverage of the true Elo by the 95% intervals, mean width; and the same
studies shown in a fixed order (the position bias then lands on the critic shown first) for the
bias that randomisation removes.

Usage: python bench/elo_recovery.py [--studies 150] [--draws 300] [--processes 2]
The last line printed is one JSON object: spearman, coverage, seconds (the realistic cell), and
per-cell figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import django
import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real")
django.setup()  # no database is touched

from annotation.comparing.elo import BASE, SCALE, elo, pairs_of, strengths, wins_matrix  # noqa: E402


@dataclass(frozen=True)
class Cell:
    name: str
    critics: int
    shown: int
    contractors: int
    items: int
    per_item: int


CELLS = (
    Cell("small: 4 critics, 8 contractors, 40 items", 4, 4, 8, 40, 1),
    Cell("realistic: 6 critics (4 shown), 20 contractors, 150 items x 2", 6, 4, 20, 150, 2),
    Cell("large: 8 critics (4 shown), 30 contractors, 300 items x 2", 8, 4, 30, 300, 2),
)
REALISTIC = 1


def quality(critics: int) -> np.ndarray:
    return np.linspace(-0.9, 0.9, critics)


def simulate(cell: Cell, seed: int, *, randomise: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    q = quality(cell.critics)
    item_fx = rng.normal(0, 0.4, (cell.items, cell.critics))
    taste = rng.normal(0, 0.3, (cell.contractors, cell.critics))
    leniency = rng.normal(0, 0.5, cell.contractors)
    first_bonus = np.clip(rng.normal(0.5, 0.3, cell.contractors), 0, None)
    rows = []
    comparison = 0
    for item in range(cell.items):
        contractors = rng.choice(cell.contractors, cell.per_item, replace=False)
        for contractor in contractors:
            shown = rng.choice(cell.critics, cell.shown, replace=False)
            shown = rng.permutation(shown) if randomise else np.sort(shown)
            for position, critic in enumerate(shown):
                latent = (
                    q[critic]
                    + item_fx[item, critic]
                    + taste[contractor, critic]
                    + leniency[contractor]
                    + (first_bonus[contractor] if position == 0 else 0.0)
                    + rng.normal(0, 1)
                )
                score = int(np.clip(np.rint(4 + latent), 1, 7))
                rows.append((comparison, int(contractor), item, f"critic-{critic}", score))
            comparison += 1
    return pd.DataFrame(rows, columns=["comparison", "contractor", "item", "label", "overall"])


def truth(cell: Cell) -> np.ndarray:
    """The population's Bradley-Terry Elo: one very large study of the same world, randomised order."""
    big = Cell(cell.name, cell.critics, cell.shown, 400, 4000, 3)
    pairs = pairs_of(simulate(big, seed=10_000_019))
    return BASE + SCALE * strengths(wins_matrix(pairs))


def one(args: tuple[Cell, int, int, bool, list[float]]) -> dict[str, Any]:
    cell, seed, draws, randomise, true_elo = args
    started = time.perf_counter()
    pairs = pairs_of(simulate(cell, seed, randomise=randomise))
    ratings = {rating.label: rating for rating in elo(pairs, draws=draws, seed=seed)}
    seconds = time.perf_counter() - started
    labels = [f"critic-{k}" for k in range(cell.critics)]
    estimated = [ratings[label].elo for label in labels]
    covered = [ratings[label].low <= true_elo[k] <= ratings[label].high for k, label in enumerate(labels)]
    widths = [ratings[label].high - ratings[label].low for label in labels]
    rho = float(stats.spearmanr(quality(cell.critics), estimated).statistic)
    errors = [estimated[k] - true_elo[k] for k in range(cell.critics)]
    return {"rho": rho, "covered": covered, "widths": widths, "errors": errors, "seconds": seconds}


def run(cell: Cell, studies: int, draws: int, processes: int, randomise: bool, true_elo: list[float]) -> dict[str, Any]:
    jobs = [(cell, 1000 + s, draws, randomise, true_elo) for s in range(studies)]
    with Pool(processes) as pool:
        found = pool.map(one, jobs)
    covered = np.array([r["covered"] for r in found], dtype=float)
    errors = np.array([r["errors"] for r in found])
    return {
        "spearman": round(float(np.mean([r["rho"] for r in found])), 3),
        "coverage": round(float(covered.mean()), 3),
        "worst_critic_coverage": round(float(covered.mean(axis=0).min()), 3),
        "width": round(float(np.mean([r["widths"] for r in found])), 1),
        "bias_lowest_critic": round(float(errors[:, 0].mean()), 1),
        "mean_abs_bias": round(float(np.abs(errors.mean(axis=0)).mean()), 1),
        "seconds_per_study": round(float(np.mean([r["seconds"] for r in found])), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=150)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    started = time.perf_counter()
    cells = {}
    for k, cell in enumerate(CELLS):
        true_elo = list(truth(cell))
        randomised = run(cell, args.studies, args.draws, args.processes, True, true_elo)
        fixed = run(cell, max(args.studies // 3, 20), args.draws, args.processes, False, true_elo)
        cells[cell.name] = {"randomised": randomised, "fixed_order": fixed}
        print(f"{cell.name}\n  true Elo {', '.join(f'{v:.0f}' for v in true_elo)}")
        print(f"  randomised order: {randomised}")
        print(f"  fixed order:      {fixed}")
        if k == REALISTIC:
            realistic = randomised
    seconds = round(time.perf_counter() - started, 1)
    print(
        json.dumps(
            {
                "spearman": realistic["spearman"],
                "coverage": realistic["coverage"],
                "seconds": realistic["seconds_per_study"],
                "total_seconds": seconds,
                "studies": args.studies,
                "draws": args.draws,
                "cells": cells,
            }
        )
    )


if __name__ == "__main__":
    main()
