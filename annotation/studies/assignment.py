"""Balanced, seeded study plans: who reviews which item in which arm, in which order.

Plain Python, so the balance properties can be tested exhaustively. Every item is reviewed
exactly `reviews` times in every arm, never twice by the same contractor.

- between-subject: contractors are dealt to arms; within an arm each item goes to `reviews`
  distinct contractors, rotating so loads differ by at most one.
- within-subject: each item goes to arms x reviews distinct contractors; the arm of each
  slot rotates with the item, so every contractor sees every arm; each contractor's tasks
  alternate between arms, starting from a different arm for different contractors.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass


class PlanError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Slot:
    item: int
    contractor: int | None
    arm: int
    order: int


def pool_plan(items: list[int], arms: list[int], *, reviews: int, seed: int) -> list[Slot]:
    """A pooled study's tasks: every item `reviews` times in every arm, held by nobody, in a seeded
    order that finishes items round by round (all first reviews before any second one)."""
    if not items or not arms:
        raise PlanError("A study needs items and arms.")
    rng = random.Random(seed)  # noqa: S311 - reproducible from the study seed, not secret
    slots: list[Slot] = []
    for _ in range(reviews):
        round_ = [(item, arm) for item in sorted(items) for arm in arms]
        rng.shuffle(round_)
        base = len(slots)
        slots.extend([Slot(item, None, arm, base + k) for k, (item, arm) in enumerate(round_)])
    return slots


def plan(
    items: list[int], contractors: list[int], arms: list[int], *, design: str, reviews: int, seed: int
) -> list[Slot]:
    if not items or not contractors or not arms:
        raise PlanError("A study needs items, arms and enrolled contractors.")
    if reviews < 1:
        raise PlanError("Each item needs at least one review per arm.")
    rng = random.Random(seed)  # noqa: S311 - reproducible from the study seed, not secret
    items, contractors = sorted(items), sorted(contractors)
    rng.shuffle(items)
    rng.shuffle(contractors)
    if design == "between":
        pairs = _between(items, contractors, arms, reviews)
    elif design == "within":
        pairs = _within(items, contractors, arms, reviews)
    else:
        raise PlanError(f"Unknown design {design!r}.")
    return _ordered(pairs, contractors, arms, design, rng)


def _between(items: list[int], contractors: list[int], arms: list[int], reviews: int) -> list[tuple[int, int, int]]:
    groups = {arm: contractors[index :: len(arms)] for index, arm in enumerate(arms)}
    smallest = min(len(group) for group in groups.values())
    if reviews > smallest:
        raise PlanError(
            f"Between-subject: {reviews} reviews per item need at least {reviews} contractors per arm; "
            f"with {len(contractors)} contractors and {len(arms)} arms an arm has {smallest}."
        )
    pairs = []
    for arm, group in groups.items():
        for index, item in enumerate(items):
            for replicate in range(reviews):
                pairs.append((item, group[(index * reviews + replicate) % len(group)], arm))
    return pairs


def _within(items: list[int], contractors: list[int], arms: list[int], reviews: int) -> list[tuple[int, int, int]]:
    slots = len(arms) * reviews
    if slots > len(contractors):
        raise PlanError(
            f"Within-subject: {len(arms)} arms x {reviews} reviews need {slots} contractors per item; "
            f"only {len(contractors)} are enrolled."
        )
    position = {contractor: index for index, contractor in enumerate(contractors)}
    load = dict.fromkeys(contractors, 0)
    seen = {contractor: dict.fromkeys(arms, 0) for contractor in contractors}
    pairs = []
    for index, item in enumerate(items):
        # The least-loaded contractors take the item (ties rotate), so loads differ by at most one …
        chosen = sorted(contractors, key=lambda c: (load[c], (position[c] - index * slots) % len(contractors)))
        free = chosen[:slots]
        # … and each slot's arm goes to whoever has seen that arm least, so every contractor sees every arm.
        for offset in range(len(arms)):
            arm = arms[(index + offset) % len(arms)]
            for _ in range(reviews):
                contractor = min(free, key=lambda c: (seen[c][arm] - min(seen[c].values()), position[c]))
                free.remove(contractor)
                load[contractor] += 1
                seen[contractor][arm] += 1
                pairs.append((item, contractor, arm))
    return pairs


def _ordered(
    pairs: list[tuple[int, int, int]], contractors: list[int], arms: list[int], design: str, rng: random.Random
) -> list[Slot]:
    by_contractor: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for item, contractor, arm in pairs:
        by_contractor[contractor][arm].append(item)
    slots = []
    for position, contractor in enumerate(contractors):
        queues = by_contractor.get(contractor, {})
        for queue in queues.values():
            rng.shuffle(queue)
        # Counterbalance: alternate arms, each contractor starting from a different arm.
        rotation = [arms[(position + k) % len(arms)] for k in range(len(arms))]
        order = 0
        while any(queues.get(arm) for arm in rotation):
            for arm in rotation:
                if queues.get(arm):
                    slots.append(Slot(queues[arm].pop(), contractor, arm, order))
                    order += 1
    return slots
