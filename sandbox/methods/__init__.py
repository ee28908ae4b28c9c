"""REST method modules; importing one registers its methods."""
from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every module in this package so that its @rest_method decorators run."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
