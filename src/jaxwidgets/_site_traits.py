"""The Posterior widget's traits that name its sites: validated against the sites the model has."""

from __future__ import annotations

import math
from typing import Any

import traitlets


class SitePair(traitlets.Tuple):
    """Two of the widget's sites (("", "") only before the model is traced)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(traitlets.Unicode(), traitlets.Unicode(), default_value=("", ""), **kwargs)

    def validate(self, obj: Any, value: Any) -> Any:
        pair: Any = super().validate(obj, value)
        sites = list(obj.sites)
        unknown = [name for name in pair if name not in sites]
        if unknown and not (pair == ("", "") and not sites):
            raise traitlets.TraitError(f"unknown sites {unknown}; sites are {sites}")
        return pair


class SiteValues(traitlets.Dict):
    """Site name -> a finite float, for sites of the widget."""

    def validate(self, obj: Any, value: Any) -> Any:
        proposed: Any = super().validate(obj, value)
        values = {name: float(number) for name, number in dict(proposed).items()}
        if set(values) - set(obj.sites) or not all(map(math.isfinite, values.values())):
            raise traitlets.TraitError(f"reference needs finite values of sites {obj.sites}, got {values}")
        return values
