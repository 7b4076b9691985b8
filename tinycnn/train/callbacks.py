"""Callbacks: small objects that `fit` / `Trainer` call at fixed points of training.

The hooks (all optional; override the ones you need)::

    on_train_begin(trainer)
    on_epoch_begin(trainer, epoch)            # epoch counts from 1
    on_batch_end(trainer, step, logs)         # logs: loss, acc (this batch), running_loss, ...
    on_epoch_end(trainer, epoch, logs)        # logs: the epoch's record (History row)
    on_train_end(trainer)

A callback stops training by setting ``trainer.stop_training = True``; the trainer checks
it after every batch and every epoch. ``trainer`` gives access to ``model``,
``optimizer``, ``scheduler``, ``history`` and ``epoch``.
"""

from __future__ import annotations

import csv
import math
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .history import infer_mode, is_better


class Callback:
    """Base class: every hook does nothing."""

    def on_train_begin(self, trainer: Any) -> None:
        pass

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        pass

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, Any]) -> None:
        pass

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        pass

    def on_train_end(self, trainer: Any) -> None:
        pass


def _monitored(logs: dict[str, Any], monitor: str, who: str) -> float:
    """The value of ``monitor`` in ``logs``, or a clear error listing what there is."""
    value = logs.get(monitor)
    if value is None:
        available = sorted(k for k, v in logs.items() if v is not None)
        hint = " (pass a val_loader to fit)" if monitor.startswith("val_") else ""
        raise ValueError(f"{who}: monitor={monitor!r} is not available{hint}; "
                         f"available: {available}")
    return float(value)


def copy_state(model: Any) -> dict[str, Any]:
    """A detached copy of ``model.state_dict()`` (arrays copied, so training can't touch it)."""
    from ..tensor import Tensor  # noqa: PLC0415

    return {k: (v._data if isinstance(v, Tensor) else v).copy()
            for k, v in model.state_dict().items()}


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs in a row in which ``monitor`` did not improve by
    more than ``min_delta`` (Keras' semantics, where ``patience=0`` acts like 1).
    ``restore_best_weights`` puts back the best epoch's weights when training ends."""

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        self.monitor, self.patience, self.min_delta = monitor, int(patience), abs(min_delta)
        self.mode = infer_mode(monitor, mode)
        self.restore_best_weights = restore_best_weights
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.wait = 0
        self._best_state: dict[str, Any] | None = None

    def on_train_begin(self, trainer: Any) -> None:
        self.best, self.best_epoch, self.stopped_epoch, self.wait = None, None, None, 0
        self._best_state = None

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        value = _monitored(logs, self.monitor, "EarlyStopping")
        if is_better(value, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_state = copy_state(trainer.model)
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_train_end(self, trainer: Any) -> None:
        if self.restore_best_weights and self._best_state is not None:
            trainer.model.load_state_dict(self._best_state)

    def state_dict(self) -> dict[str, Any]:
        """The best value and epoch, the epochs waited and the best weights (checkpoints
        keep it, so a resumed run stops and restores as an uninterrupted one)."""
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait,
                "stopped_epoch": self.stopped_epoch, "best_state": self._best_state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.best_epoch = state["best"], state["best_epoch"]
        self.wait, self.stopped_epoch = int(state["wait"]), state["stopped_epoch"]
        self._best_state = state["best_state"]


class LossThreshold(Callback):
    """Stop once ``monitor`` falls to ``value`` or below (report 002 stops at 0.005).

    By default the epoch's mean training loss is checked after each epoch. With
    ``per_batch=True`` each batch's loss is checked and training stops right after that
    batch (as report 002's hand-written loop does).
    """

    def __init__(self, value: float, monitor: str = "train_loss", per_batch: bool = False) -> None:
        self.value, self.monitor, self.per_batch = float(value), monitor, per_batch
        self.stopped_epoch: int | None = None

    def _check(self, trainer: Any, epoch: int, loss: float) -> None:
        if loss <= self.value:
            self.stopped_epoch = epoch
            trainer.stop_training = True

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, Any]) -> None:
        if self.per_batch:  # trainer.epoch counts finished epochs; this is the next one
            self._check(trainer, trainer.epoch + 1, logs["loss"])

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if not self.per_batch:
            self._check(trainer, epoch, _monitored(logs, self.monitor, "LossThreshold"))

    def state_dict(self) -> dict[str, Any]:
        return {"stopped_epoch": self.stopped_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.stopped_epoch = state["stopped_epoch"]


class ModelCheckpoint(Callback):
    """Save a checkpoint (model, optimizer, scheduler, epoch, RNG, history) after epochs.

    ``path`` may hold fields of the epoch record, e.g. ``"ckpt-{epoch:02d}.npz"``. With
    ``save_best_only`` a file is written only when ``monitor`` improves, so ``path`` holds
    the best epoch (report 003: keep the best epoch on validation, then test it). After
    training, ``restore_best(model)`` loads the best weights back into a model.
    """

    def __init__(self, path: str | os.PathLike, monitor: str = "val_acc",
                 save_best_only: bool = True, mode: str = "auto", **extra: Any) -> None:
        self.path = str(path)
        self.monitor, self.save_best_only = monitor, save_best_only
        self.mode = infer_mode(monitor, mode)
        self.extra = extra  # stored in every checkpoint (e.g. model_name for the CLI)
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.best_path: str | None = None

    def on_train_begin(self, trainer: Any) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        value = _monitored(logs, self.monitor, "ModelCheckpoint")
        improved = is_better(value, self.best, self.mode)
        if improved:
            self.best, self.best_epoch = value, epoch
        if improved or not self.save_best_only:
            path = self.path.format(**logs)
            trainer.save_checkpoint(path, monitor=self.monitor, best=self.best,
                                    best_epoch=self.best_epoch, **self.extra)
            if improved:
                self.best_path = path

    def restore_best(self, model: Any) -> dict[str, Any]:
        """Load the best checkpoint's weights into ``model``; returns the checkpoint."""
        from ..io import load  # noqa: PLC0415

        if self.best_path is None:
            raise RuntimeError("ModelCheckpoint.restore_best: no checkpoint was saved yet")
        state = load(self.best_path)
        model.load_state_dict(state["model"])
        return state


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler after every epoch (``interval="epoch"``) or every
    batch (``interval="step"``, for schedules like OneCycle).

    ``ReduceLROnPlateau`` needs a metric: ``monitor`` (default ``"val_loss"`` for it) is
    passed to ``scheduler.step(value)``.
    """

    def __init__(self, scheduler: Any, monitor: str | None = None,
                 interval: str = "epoch") -> None:
        if interval not in ("epoch", "step"):
            raise ValueError(f"LRSchedulerCallback: interval must be 'epoch' or 'step', "
                             f"got {interval!r}")
        if monitor is None and type(scheduler).__name__ == "ReduceLROnPlateau":
            monitor = "val_loss"
        self.scheduler, self.monitor, self.interval = scheduler, monitor, interval

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, Any]) -> None:
        if self.interval == "step":
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (for checkpoints of a run that steps it here)."""
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self.interval != "epoch":
            return
        if self.monitor is None:
            self.scheduler.step()
        else:
            self.scheduler.step(_monitored(logs, self.monitor, "LRSchedulerCallback"))


class CSVLogger(Callback):
    """Append one row per epoch to a CSV file as training goes (flushed each epoch), so a
    crashed or running job still shows its curve. ``append`` keeps an existing file."""

    def __init__(self, path: str | os.PathLike, append: bool = False) -> None:
        self.path, self.append = Path(path), append
        self._fields: list[str] | None = None

    def on_train_begin(self, trainer: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fields = None
        if self.append and self.path.is_file() and self.path.stat().st_size > 0:
            with open(self.path, newline="") as f:
                self._fields = next(csv.reader(f))
        elif not self.append:
            self.path.write_text("")

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        new_file = self._fields is None
        if new_file:
            self._fields = list(logs)
        with open(self.path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=self._fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({k: "" if logs.get(k) is None else logs[k] for k in self._fields})


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. to print a line per epoch::

        LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: print(epoch, logs))
    """

    def __init__(self, on_train_begin: Callable | None = None,
                 on_epoch_begin: Callable | None = None, on_batch_end: Callable | None = None,
                 on_epoch_end: Callable | None = None,
                 on_train_end: Callable | None = None) -> None:
        for name, fn in (("on_train_begin", on_train_begin), ("on_epoch_begin", on_epoch_begin),
                         ("on_batch_end", on_batch_end), ("on_epoch_end", on_epoch_end),
                         ("on_train_end", on_train_end)):
            if fn is not None:
                setattr(self, name, fn)


def is_interactive(stream: Any = None) -> bool:
    """True when ``stream`` (stdout by default) is a terminal or a Jupyter/IPython kernel."""
    stream = sys.stdout if stream is None else stream
    if "ipykernel" in sys.modules:
        return True
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # closed stream
        return False


class ProgressBar(Callback):
    """A tqdm bar per epoch with the running loss/accuracy, and the epoch's validation
    results at its end. Shown only on a terminal or in a notebook (not in log files)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream
        self._bar: Any = None

    def on_epoch_begin(self, trainer: Any, epoch: int) -> None:
        from tqdm import tqdm  # noqa: PLC0415

        stream = self.stream if self.stream is not None else sys.stdout
        self._bar = tqdm(total=trainer.steps_per_epoch,
                         desc=f"epoch {epoch}/{trainer.final_epoch}", unit="batch", file=stream, leave=True, dynamic_ncols=True,
                         disable=not is_interactive(stream))

    def on_batch_end(self, trainer: Any, step: int, logs: dict[str, Any]) -> None:
        self._bar.update(1)
        shown = {"loss": f"{logs['running_loss']:.4f}"}
        if logs["running_acc"] is not None:  # None for targets that are not class labels
            shown["acc"] = f"{logs['running_acc']:.4f}"
        self._bar.set_postfix(shown, refresh=False)

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        shown = {k: f"{logs[k]:.4f}" for k in ("train_loss", "train_acc", "val_loss", "val_acc")
                 if isinstance(logs.get(k), float) and math.isfinite(logs[k])}
        self._bar.set_postfix(shown, refresh=True)
        self._bar.close()
