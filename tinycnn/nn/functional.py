"""``import tinycnn.nn.functional as F`` works as in PyTorch: this module is
`tinycnn.functional` under its PyTorch name (every name is looked up there)."""

from __future__ import annotations

from typing import Any

from .. import functional as _functional
from ..functional import *  # noqa: F403


def __getattr__(name: str) -> Any:
    return getattr(_functional, name)
