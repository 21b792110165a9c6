"""Building blocks of the job-spec models: the strict frozen base and range-checked fields."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from assay.protocol import limits as L


def within(lo: float, hi: float, *, lo_open: bool = False, hi_open: bool = False) -> Any:
    """A validator for lo ≤ v ≤ hi (either end open) whose message says which way to move."""
    left, right = ("(" if lo_open else "["), (")" if hi_open else "]")

    def check(v: float) -> float:
        too_low = v <= lo if lo_open else v < lo
        too_high = v >= hi if hi_open else v > hi
        if too_low or too_high:
            if not lo_open and not hi_open:
                span = f"between {lo} and {hi}"
            else:
                span = f"in {left}{lo}, {hi}{right}"
            raise ValueError(f"must be {span} — {'raise' if too_low else 'lower'} it")
        return v

    return AfterValidator(check)


Width = Annotated[int, within(1, L.MAX_WIDTH)]
Fraction = Annotated[float, within(0.0, 1.0, hi_open=True)]
LearningRate = Annotated[float, within(0.0, L.MAX_LR, lo_open=True)]


class SpecModel(BaseModel):
    # strict: TOML already has types, so "64" is not an int and true is not 1.
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, use_attribute_docstrings=True
    )
