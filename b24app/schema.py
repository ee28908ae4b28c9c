"""Every table of the app in one metadata: import each models module here.

Alembic (migrations/env.py) and the tests read ``metadata`` from this module, so a routine
that adds tables adds one import line below and a migration revision.
"""
from __future__ import annotations

from . import install_models, ledger, models  # noqa: F401 - imported for their tables
from .db import Base
from .merch_photos import models as merch_photos_models  # noqa: F401
from .org import models as org_models  # noqa: F401
from .position_fanout import models as position_fanout_models  # noqa: F401
from .staff_cards import models as staff_cards_models  # noqa: F401
from .store_opening import models as store_opening_models  # noqa: F401
from .workqueue import models as workqueue_models  # noqa: F401

metadata = Base.metadata
