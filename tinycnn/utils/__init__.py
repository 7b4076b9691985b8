"""``tinycnn.utils``: ``tinycnn.utils.data`` is `tinycnn.data`, so that
``from torch.utils.data import DataLoader`` ports as ``from tinycnn.utils.data import ...``."""

from __future__ import annotations

import sys

from .. import data

sys.modules[__name__ + ".data"] = data  # makes ``import tinycnn.utils.data`` work too

__all__ = ["data"]
