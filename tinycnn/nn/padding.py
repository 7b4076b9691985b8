"""Padding layers (``nn.ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``,
``ReplicationPad2d``): `F.pad` of the last two dims, ``padding`` an int (all four sides)
or ``(left, right, top, bottom)``."""

from __future__ import annotations

from typing import Any

from .. import functional as F
from ..tensor import Tensor
from .module import Module


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        self.padding = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 4:
            raise ValueError(f"{type(self).__name__}: padding must be an int or 4 ints "
                             f"(left, right, top, bottom), got {padding!r}")
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        if self.mode == "constant":
            return F.pad(x, self.padding, value=self.value)
        return F.pad(x, self.padding, mode=self.mode)

    def extra_repr(self) -> str:
        if type(self) is ConstantPad2d:
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class ZeroPad2d(_Pad2d):
    """Pad with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ConstantPad2d(_Pad2d):
    """Pad with ``value``."""


class ReflectionPad2d(_Pad2d):
    """Pad with the mirror image of the border (the edge itself not repeated)."""

    mode = "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__(padding)


class ReplicationPad2d(ReflectionPad2d):
    """Pad by repeating the edge pixels."""

    mode = "replicate"


__all__ = ["ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "ZeroPad2d"]
