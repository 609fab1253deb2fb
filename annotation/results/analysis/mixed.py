"""Arm effects from linear mixed models with crossed random intercepts for contractor and item (statsmodels)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

# metric -> the per-review outcome it is modelled on
OUTCOMES = {
    "catch_rate": "caught / planted",
    "flaws_per_item": "reported",
    "valid_per_item": "valid",
    "active_s": "active_s",
    "rating": "rating",
}


# Crossed random effects need dense design matrices (one column per contractor and item);
# beyond this many levels the item intercepts are absorbed as fixed effects instead.
CROSSED_MAX_LEVELS = 150
CROSSED = "crossed random intercepts for contractor and item (REML)"
ABSORBED = "random intercept for contractor, item effects absorbed (within-item), REML"


@dataclass(frozen=True)
class MixedEffect:
    metric: str
    arm: str
    coefficient: float
    low: float
    high: float
    p_value: float
    converged: bool
    method: str


def _outcome(frame: pd.DataFrame, metric: str) -> pd.Series:
    if metric == "catch_rate":
        return (frame["caught"] / frame["planted"]).where(frame["planted"] > 0)
    return frame[OUTCOMES[metric]].astype(float)


def mixed_effects(frame: pd.DataFrame, *, control: str) -> list[MixedEffect]:
    """y ~ arm + (1 | contractor) + (1 | item), fitted by REML; one model per outcome."""
    effects: list[MixedEffect] = []
    if frame["arm"].nunique() < 2 or control not in set(frame["arm"]):
        return effects
    arms = {arm: f"a{n}" for n, arm in enumerate(sorted(frame["arm"].unique()))}
    crossed = frame["contractor"].nunique() + frame["item"].nunique() <= CROSSED_MAX_LEVELS
    for metric in OUTCOMES:
        data = pd.DataFrame(
            {
                "y": _outcome(frame, metric),
                "arm": frame["arm"].map(arms),
                "contractor": frame["contractor"].astype(str),
                "item": frame["item"].astype(str),
                "group": 1,
            }
        ).dropna()
        if data["arm"].nunique() < 2 or data["y"].std() == 0:
            continue
        fitted = _fit_crossed(data, arms[control]) if crossed else _fit_absorbed(data, arms[control])
        if fitted is None:
            continue
        fit, converged, terms = fitted
        intervals = fit.conf_int()
        for arm, code in arms.items():
            term = terms(code)
            if arm == control or term not in fit.params:
                continue
            effects.append(
                MixedEffect(
                    metric,
                    arm,
                    float(fit.params[term]),
                    float(intervals.loc[term, 0]),
                    float(intervals.loc[term, 1]),
                    float(fit.pvalues[term]),
                    converged,
                    CROSSED if crossed else ABSORBED,
                )
            )
    return effects


def _fit(model: Any) -> tuple[Any, bool] | None:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fit = model.fit(reml=True, method=["lbfgs"])
        except (np.linalg.LinAlgError, ValueError):
            return None
    return fit, bool(fit.converged) and not any(issubclass(w.category, ConvergenceWarning) for w in caught)


def _fit_crossed(data: pd.DataFrame, control: str) -> tuple[Any, bool, Callable[[str], str]] | None:
    import statsmodels.formula.api as smf

    model = smf.mixedlm(
        f"y ~ C(arm, Treatment('{control}'))",
        data,
        groups="group",
        re_formula="0",
        vc_formula={"contractor": "0 + C(contractor)", "item": "0 + C(item)"},
    )
    fitted = _fit(model)
    return None if fitted is None else (*fitted, lambda code: f"C(arm, Treatment('{control}'))[T.{code}]")


def _fit_absorbed(data: pd.DataFrame, control: str) -> tuple[Any, bool, Callable[[str], str]] | None:
    import statsmodels.api as sm

    dummies = pd.get_dummies(data["arm"], dtype=float).drop(columns=[control])
    demeaned = pd.concat([data[["y"]], dummies], axis=1)
    demeaned = demeaned - demeaned.groupby(data["item"]).transform("mean")
    model = sm.MixedLM(demeaned["y"], demeaned[list(dummies.columns)], groups=data["contractor"])
    fitted = _fit(model)
    return None if fitted is None else (*fitted, lambda code: code)
