"""Validity of the study analysis on simulated studies: coverage of the true lift, false positives, width.

Studies are laid out by the real planner (annotation.studies.assignment.plan) in both designs and
analysed exactly as the results page does (metrics.analyse: bootstrap; mixed.mixed_effects: WLS with
item effects and two-way clustered errors). For each cell, `--studies` studies of a world with an
effect give the coverage of the true lift (the population-average catch-probability difference,
simulate.World.true_effect) and the mean interval width; as many studies of the same world with a
true lift of zero (World.null) give the false positive rate (interval excludes 0). The bootstrap
also reports the coverage of the control arm's catch rate (`arm_coverage`).

Usage: python bench/analysis_validity.py [--studies 1000] [--largest 600] [--draws 1000] [--processes 2]
About 13 minutes on 2 cores with the defaults. Needs no database: it analyses frames directly.
The last line printed is one JSON object: cells, worst_coverage, best_coverage, worst_fpr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from multiprocessing import Pool
from pathlib import Path
from typing import Any

import django
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-used-for-anything-real")
django.setup()  # the frame's columns come from the models module; no database is touched

from annotation.results.analysis.metrics import analyse  # noqa: E402
from annotation.results.analysis.mixed import mixed_effects  # noqa: E402
from tests.simulate import CONTROL, Design, World, simulate_study  # noqa: E402

Interval = tuple[float, float, float]  # estimate, low, high


@dataclass(frozen=True)
class Cell:
    name: str
    design: Design
    contractors: int
    items: int
    reviews: int
    world: World = field(default_factory=World)


def cells() -> list[Cell]:
    out = []
    for design in ("within", "between"):
        for contractors, items, reviews in ((8, 40, 1), (30, 100, 2), (60, 300, 1)):
            out.append(Cell(f"{design} {contractors}x{items}x{reviews}", design, contractors, items, reviews))
    varying = World(lift_sd=0.6, max_flaws=3)  # lift differs by contractor; 1-3 planted flaws per item
    out.append(Cell("within 30x100x2, lift varies, 1-3 flaws", "within", 30, 100, 2, varying))
    out.append(Cell("between 30x100x2, lift varies, 1-3 flaws", "between", 30, 100, 2, varying))
    return out


def control_rate(world: World, draws: int = 2_000_000, seed: int = 54321) -> float:
    rng = np.random.default_rng(seed)
    eta = world.base + rng.normal(0, world.skill_sd, draws) - rng.normal(0, world.difficulty_sd, draws)
    return float(np.mean(1 / (1 + np.exp(-eta))))


def new_methods(frame: pd.DataFrame, draws: int, seed: int) -> dict[str, Interval]:
    estimates, differences = analyse(frame, control=CONTROL, draws=draws, seed=seed, metrics=["catch_rate"])
    d = differences[0]
    e = next(e for e in estimates if e.arm == CONTROL)
    m = mixed_effects(frame, control=CONTROL, metrics=["catch_rate"])[0]
    return {"bootstrap": (d.value, d.low, d.high), "mixed": (m.coefficient, m.low, m.high),
            "arm": (e.value, e.low, e.high)}  # fmt: skip


@cache
def _null(world: World) -> World:
    return world.null()


def run_chunk(task: tuple[Cell, str, int, int, int, str]) -> list[tuple[str, str, int, dict[str, Interval]]]:
    cell, kind, start, stop, draws, _code = task
    world = cell.world if kind == "effect" else _null(cell.world)
    method: Callable[[pd.DataFrame, int, int], dict[str, Interval]] = new_methods
    results = []
    for seed in range(start, stop):
        frame = simulate_study(world, design=cell.design, contractors=cell.contractors, items=cell.items,
                               reviews=cell.reviews, seed=seed)  # fmt: skip
        results.append((cell.name, kind, seed, method(frame, draws, seed)))
    return results


def tasks(plan: list[tuple[Cell, int]], draws: int, code: str, chunk: int = 20) -> Iterator[tuple[Any, ...]]:
    for index, (cell, studies) in enumerate(plan):
        for kind, offset in (("effect", 0), ("null", 500_000)):
            base = 1_000_000 * (index + 1) + offset
            for start in range(base, base + studies, chunk):
                yield cell, kind, start, min(start + chunk, base + studies), draws, code


def summarise(cell: Cell, rows: list[tuple[str, int, dict[str, Interval]]], code: str) -> list[dict[str, Any]]:
    truth = cell.world.true_effect()
    out = []
    for method in ("bootstrap", "mixed"):
        effect = np.array([r[method] for kind, _, r in rows if kind == "effect" and method in r])
        null = np.array([r[method] for kind, _, r in rows if kind == "null" and method in r])
        if not len(effect):
            continue
        covered = (effect[:, 1] <= truth) & (truth <= effect[:, 2])
        entry: dict[str, Any] = {
            "cell": cell.name,
            "code": code,
            "method": method,
            "studies": len(effect),
            "true_lift": round(truth, 4),
            "coverage": float(np.mean(covered)),
            "fpr": float(np.mean((null[:, 1] > 0) | (null[:, 2] < 0))),
            "mean_width": float(np.mean(effect[:, 2] - effect[:, 1])),
            "bias": float(np.mean(effect[:, 0]) - truth),
            "power": float(np.mean(effect[:, 1] > 0)),
        }
        if method == "bootstrap" and code == "new":
            arm = np.array([r["arm"] for kind, _, r in rows if kind == "effect"])
            rate = control_rate(cell.world)
            entry["arm_coverage"] = float(np.mean((arm[:, 1] <= rate) & (rate <= arm[:, 2])))
        out.append(entry)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=1000)
    parser.add_argument("--largest", type=int, default=600, help="studies for the 60-contractor cells")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--only", default="", help="run only cells whose name contains this")
    args = parser.parse_args()
    chosen = [c for c in cells() if args.only in c.name]
    plan = [(c, args.largest if c.contractors >= 60 else args.studies) for c in chosen]
    jobs = list(tasks(plan, args.draws, "new"))
    started = time.perf_counter()
    collected: dict[tuple[str, str], list[tuple[str, int, dict[str, Interval]]]] = {}
    with Pool(args.processes) as pool:
        for chunk_rows, job in zip(pool.imap(run_chunk, jobs), jobs, strict=True):
            for name, kind, seed, result in chunk_rows:
                collected.setdefault((name, job[5]), []).append((kind, seed, result))
    elapsed = time.perf_counter() - started
    summary = [entry for (name, code), rows in collected.items()
               for entry in summarise(next(c for c in chosen if c.name == name), rows, code)]  # fmt: skip
    print(f"{'cell':42} {'code':4} {'method':9} {'n':>4} {'truth':>6} {'cover':>6} {'FPR':>6} {'width':>6} "
          f"{'bias':>7} {'power':>6} extra")  # fmt: skip
    for e in summary:
        extra = " ".join(f"{k}={e[k]:.3f}" for k in ("arm_coverage", "not_converged") if k in e)
        print(
            f"{e['cell']:42} {e['code']:4} {e['method']:9} {e['studies']:4d} {e['true_lift']:6.3f} "
            f"{e['coverage']:6.3f} {e['fpr']:6.3f} {e['mean_width']:6.3f} {e['bias']:7.4f} {e['power']:6.3f} {extra}"
        )
    new = [e for e in summary if e["code"] == "new"] or summary
    print(f"elapsed {elapsed:.0f} s on {args.processes} processes", file=sys.stderr)
    print(json.dumps({
        "cells": summary, "elapsed_s": round(elapsed, 1),
        "worst_coverage": min(e["coverage"] for e in new), "best_coverage": max(e["coverage"] for e in new),
        "worst_fpr": max(e["fpr"] for e in new),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
