"""Position names as people type them, grouped so spelling variants count as one."""
from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def position_key(work_position: str) -> str:
    """Return the grouping key of a WORK_POSITION: casefolded, whitespace collapsed, ё → е."""
    return _SPACES.sub(" ", work_position).strip().casefold().replace("ё", "е")
