"""`History`: what happened in each epoch of a run (losses, accuracies, learning rate, time).

`fit` returns one; it is a list of per-epoch records (plain dicts) with a few helpers::

    history = fit(model, train_loader, opt, epochs=10, val_loader=val_loader)
    history["val_acc"]          # [0.91, 0.95, ...]  one value per epoch
    history.best()              # the record of the epoch with the highest val_acc
    history.to_csv("run/history.csv");  history.plot("run/curves.png")
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Iterator
from typing import Any

# the columns fit fills, in the order they are written to CSV
STANDARD_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")


def infer_mode(monitor: str, mode: str = "auto") -> str:
    """``"max"`` for accuracy-like metrics, ``"min"`` for losses (``mode="auto"``)."""
    if mode in ("min", "max"):
        return mode
    if mode != "auto":
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    return "max" if "acc" in monitor else "min"


def is_better(value: float, best: float | None, mode: str, min_delta: float = 0.0) -> bool:
    """True when ``value`` improves on ``best`` by more than ``min_delta`` (NaN never does)."""
    if value is None or math.isnan(value):
        return False
    if best is None:
        return True
    return value > best + min_delta if mode == "max" else value < best - min_delta


class History:
    """Per-epoch records of a training run: a list of dicts with a column view.

    Standard keys: ``epoch`` (1-based), ``train_loss``, ``train_acc``, ``val_loss``,
    ``val_acc`` (None without a validation loader), ``lr`` (of the first parameter group,
    during that epoch), ``time`` (seconds). Callbacks may add their own keys.
    """

    def __init__(self, records: list[dict[str, Any]] | None = None) -> None:
        self.records: list[dict[str, Any]] = [dict(r) for r in (records or [])]

    def append(self, record: dict[str, Any]) -> None:
        self.records.append(dict(record))

    def keys(self) -> list[str]:
        """Every key seen in any record: the standard ones first, then the others."""
        seen = [k for k in STANDARD_KEYS if any(k in r for r in self.records)]
        for r in self.records:
            seen += [k for k in r if k not in seen]
        return seen

    def __getitem__(self, key: str | int) -> Any:
        """The column ``key`` (one value per epoch, None where an epoch lacks it), or,
        for an int, the record of that epoch (``history[-1]`` is the last one)."""
        if isinstance(key, int):
            return self.records[key]
        if key not in self.keys():
            raise KeyError(f"History has no {key!r}; it has {self.keys()}")
        return [r.get(key) for r in self.records]

    def __contains__(self, key: str) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __repr__(self) -> str:
        if not self.records:
            return "History(0 epochs)"
        last = ", ".join(f"{k}={_fmt(v)}" for k, v in self.records[-1].items())
        return f"History({len(self)} epochs; last: {last})"

    @property
    def last(self) -> dict[str, Any]:
        """The record of the latest epoch."""
        if not self.records:
            raise IndexError("History is empty")
        return self.records[-1]

    def best(self, monitor: str = "val_acc", mode: str = "auto") -> dict[str, Any]:
        """The record of the best epoch by ``monitor`` (highest accuracy, lowest loss).

        Ties go to the earliest epoch. ``mode`` is ``"min"``, ``"max"`` or ``"auto"``.
        """
        mode = infer_mode(monitor, mode)
        values = self[monitor]
        best_i = None
        for i, v in enumerate(values):
            if is_better(v, None if best_i is None else values[best_i], mode):
                best_i = i
        if best_i is None:
            raise ValueError(f"History.best: no epoch has a value for {monitor!r} "
                             "(was there a validation loader?)")
        return dict(self.records[best_i])

    def to_dict(self) -> dict[str, list[Any]]:
        """Column view ``{key: [value per epoch]}`` (like Keras' ``history.history``)."""
        return {k: self[k] for k in self.keys()}

    def to_csv(self, path: str | os.PathLike) -> None:
        """Write one row per epoch with a header line (empty cells for missing values)."""
        keys = self.keys()
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=keys)
            writer.writeheader()
            for r in self.records:
                writer.writerow({k: "" if r.get(k) is None else r[k] for k in keys})

    @classmethod
    def from_csv(cls, path: str | os.PathLike) -> History:
        """Read a file written by `to_csv` or `CSVLogger` (numbers parsed back)."""
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        return cls([{k: _parse(v) for k, v in row.items()} for row in rows])

    def plot(self, path: str | os.PathLike | None = None, **kwargs: Any) -> Any:
        """`tinycnn.plot.learning_curves` of this history; returns the Figure."""
        from ..plot import learning_curves  # noqa: PLC0415  (matplotlib only on demand)

        return learning_curves(self, path=path, **kwargs)

    def state_dict(self) -> dict[str, Any]:
        """The records as a list of dicts (checkpoints store it)."""
        return {"records": [dict(r) for r in self.records]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.records = [dict(r) for r in state["records"]]


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def _parse(text: str | None) -> Any:
    """CSV cell -> None, int, float or the string itself."""
    if text is None or text == "":
        return None
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text
