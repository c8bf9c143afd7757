"""Model arguments a Posterior page can change with a slider: ``"prior_scale"``, or ``"y[3]"`` for element 3
of an array argument ``y`` (drag an observed value)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from ._base import check_range
from .kernels.posterior import as_model_argument

_CONTROL = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\[(?P<index>\d+)\])?$")
# Slider steps per range.
_STEPS = 200


class ControlSpec(NamedTuple):
    """One slider: which model argument it sets (a position or a keyword, and an element index or None),
    its value and its bounds."""

    label: str
    position: int | str
    element: int | None
    value: float
    min: float
    max: float

    def state(self) -> dict[str, Any]:
        """What the page's slider shows (the ``controls`` trait's entry)."""
        step = (self.max - self.min) / _STEPS
        return {"value": self.value, "min": self.min, "max": self.max, "step": step, "label": self.label}

    def checked(self, value: float) -> float:
        """``value`` as a float, or ValueError when it is outside the slider's bounds."""
        if not self.min <= value <= self.max:
            raise ValueError(f"{self.label} must be within [{self.min}, {self.max}], got {value}")
        return float(value)


def control_specs(
    model: Callable[..., Any], controls: Mapping[str, Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> dict[str, ControlSpec]:
    """Resolve each control name to a positional or keyword model argument (and an element index).

    >>> def model(y, prior_scale): ...
    >>> control_specs(model, {"y[1]": (0, 5)}, ([1.0, 2.0], 1.0), {})["y[1]"].value
    2.0
    """
    parameters = list(inspect.signature(model).parameters)
    specs: dict[str, ControlSpec] = {}
    for label, bounds in controls.items():
        match = _CONTROL.match(label)
        if match is None:
            raise ValueError(f"control {label!r} must be an argument name, or name[index]")
        name, index = match["name"], None if match["index"] is None else int(match["index"])
        if name in kwargs:
            position: int | str = name
            current = kwargs[name]
        elif name in parameters and parameters.index(name) < len(args):
            position = parameters.index(name)
            current = args[position]
        else:
            raise ValueError(f"control {label!r} is not an argument given to the model")
        low, high = check_range(f"control {label!r}", tuple(bounds), bounds=("min", "max"))
        values = np.asarray(current)
        value = float(values.reshape(-1)[index] if index is not None else values)
        specs[label] = ControlSpec(label, position, index, value, low, high)
    return specs


def with_control(
    spec: ControlSpec, value: float, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The model arguments with the control's argument (or element) set to ``value``, dtypes kept.

    >>> spec = control_specs(lambda y: None, {"y[0]": (0, 5)}, ([1.0, 2.0],), {})["y[0]"]
    >>> with_control(spec, 3.0, ([1.0, 2.0],), {})[0][0].tolist()
    [3.0, 2.0]
    """
    position, index = spec.position, spec.element
    if index is None:
        updated = as_model_argument(float(value))
    else:
        current = np.array(kwargs[position] if isinstance(position, str) else args[position])
        current.reshape(-1)[index] = value
        updated = as_model_argument(current)
    if isinstance(position, str):
        return args, {**kwargs, position: updated}
    return (*args[:position], updated, *args[position + 1 :]), kwargs
