"""`fit` and `Trainer`: the training loop, written once, with callbacks around it.

The loop is the one every PyTorch tutorial writes by hand::

    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        # evaluate on val_loader, step the scheduler, log, save the best model ...

`fit` runs it and records a `History`; `Trainer` is the same loop as a class, so a
custom step (two losses, gradient clipping, mixup) is one overridden method::

    class ClippedTrainer(Trainer):
        def train_step(self, x, y):
            ...
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable
from typing import Any

from .. import backend
from ..functional import cross_entropy
from ..io import load_checkpoint, save_checkpoint
from ..tensor import Tensor
from .callbacks import Callback, LRSchedulerCallback, ProgressBar
from .evaluate import evaluate, first_output, model_device, to_tensor
from .history import History


def count_correct(logits: Tensor, y: Tensor) -> int | None:
    """How many rows of ``logits`` (N, K) have their maximum at the label ``y`` (N,);
    None when ``y`` is not a vector of class indices (a regression target)."""
    if y.ndim != 1 or y.dtype.kind not in "iu" or logits.ndim != 2:
        return None
    return int((logits._data.argmax(axis=1) == y._data).sum())


class Trainer:
    """The training loop of `fit` as an object: override `train_step` (or `eval_step`)
    to change what one step does. ``trainer.fit(loader, epochs)`` may be called again to
    train more epochs; `save_checkpoint` / `load_checkpoint` resume a run exactly.

    Attributes callbacks use: ``model``, ``optimizer``, ``scheduler``, ``history``,
    ``epoch`` (epochs completed), ``global_step``, ``stop_training``, ``steps_per_epoch``,
    ``final_epoch``.
    """

    def __init__(self, model: Any, optimizer: Any, loss_fn: Callable = cross_entropy,
                 scheduler: Any = None, callbacks: Iterable[Callback] = (), device: Any = None,
                 progress: bool = True) -> None:
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.scheduler = scheduler
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {type(cb).__name__}")
        if device is not None:
            self.model.to(backend.normalize_device(device))
        self.device = model_device(model)
        self.progress = progress
        self.history = History()
        self.epoch = 0
        self.global_step = 0
        self.stop_training = False
        self.steps_per_epoch: int | None = None
        self.final_epoch = 0
        self.train_loader: Iterable | None = None  # the loader of the running or last fit()
        self._loader_state: dict[str, Any] | None = None  # from a checkpoint, for the next fit
        self._position = (0, 0)  # (epoch, step) of the batch being trained on
        self._active: list[Callback] = []  # the callbacks of the running fit()

    # --- one step ------------------------------------------------------------------------
    def train_step(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        """Forward, loss, backward, update on one batch; returns ``(loss, logits)``."""
        self.optimizer.zero_grad()
        logits = first_output(self.model(x))
        loss = self.loss_fn(logits, y)
        self.check_loss(float(loss.item()))  # before the update: the weights stay finite
        loss.backward()
        self.optimizer.step()
        return loss, logits

    def check_loss(self, value: float) -> None:
        """Raise `FloatingPointError` naming the epoch and step unless the loss is finite."""
        if not math.isfinite(value):
            epoch, step = self._position
            raise FloatingPointError(
                f"the loss is {value} at epoch {epoch}, step {step}: training diverged "
                "(try a lower learning rate, or check the inputs for NaN/inf); the model "
                "keeps the weights of the step before")

    # --- one epoch -----------------------------------------------------------------------
    def train_epoch(self, loader: Iterable) -> dict[str, float | None]:
        """One pass over ``loader`` in train mode; the mean loss and accuracy per sample."""
        self.model.train()
        epoch = self.epoch + 1
        loss_sum, correct, seen, labelled = 0.0, 0, 0, True
        for step, (x, y) in enumerate(loader, 1):
            x, y = to_tensor(x, self.device), to_tensor(y, self.device)
            self._position = (epoch, step)
            loss, logits = self.train_step(x, y)
            value = float(loss.item())
            self.check_loss(value)  # again, for a train_step override that does not
            n = len(y)
            hits = count_correct(logits, y)
            labelled = labelled and hits is not None
            loss_sum, seen = loss_sum + value * n, seen + n
            correct += hits or 0
            self.global_step += 1
            logs = {"loss": value, "acc": hits / n if hits is not None else None,
                    "running_loss": loss_sum / seen,
                    "running_acc": correct / seen if labelled else None, "batch_size": n}
            self._call("on_batch_end", step, logs)
            if self.stop_training:
                break
        if seen == 0:
            raise ValueError("fit: train_loader yielded no batches")
        return {"train_loss": loss_sum / seen, "train_acc": correct / seen if labelled else None}

    def validate(self, loader: Iterable) -> dict[str, float | None]:
        """Mean loss and accuracy on ``loader`` in eval mode (no graph)."""
        result = evaluate(self.model, loader, loss_fn=self.loss_fn, device=self.device)
        return {"val_loss": result.loss, "val_acc": result.accuracy}

    # --- the loop ------------------------------------------------------------------------
    def _all_callbacks(self) -> list[Callback]:
        # the scheduler steps before user callbacks, so a checkpoint saved at the end of
        # an epoch holds the scheduler state the next epoch starts from; the bar closes
        # before them, so what they print starts on a line of its own
        internal = [LRSchedulerCallback(self.scheduler)] if self.scheduler is not None else []
        bar = [ProgressBar()] if self.progress else []
        return internal + bar + self.callbacks

    def _call(self, hook: str, *args: Any) -> None:
        for cb in self._active:
            getattr(cb, hook)(self, *args)

    def fit(self, train_loader: Iterable, epochs: int, val_loader: Iterable | None = None) -> History:
        """Train ``epochs`` more epochs (numbered on from `epoch`); returns `history`."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
        self._active = self._all_callbacks()
        self.train_loader = train_loader
        if self._loader_state is not None and hasattr(train_loader, "load_state_dict"):
            train_loader.load_state_dict(self._loader_state)  # shuffle on where it stopped
        self._loader_state = None
        try:  # a stream (an IterableDataset's loader) may have no length
            self.steps_per_epoch = len(train_loader)  # type: ignore[arg-type]
        except TypeError:
            self.steps_per_epoch = None
        self.final_epoch = self.epoch + epochs
        self.stop_training = False
        self._call("on_train_begin")
        while self.epoch < self.final_epoch and not self.stop_training:
            epoch = self.epoch + 1
            self._call("on_epoch_begin", epoch)
            lr = self.optimizer.param_groups[0]["lr"]
            start = time.perf_counter()
            record: dict[str, Any] = {"epoch": epoch, **self.train_epoch(train_loader)}
            record.update(self.validate(val_loader) if val_loader is not None
                          else {"val_loss": None, "val_acc": None})
            record.update(lr=float(lr), time=time.perf_counter() - start)
            self.epoch = epoch
            self.history.append(record)
            # callbacks see (and may add to) the record stored in the history
            self._call("on_epoch_end", epoch, self.history.records[-1])
        self._call("on_train_end")
        return self.history

    # --- checkpoints ---------------------------------------------------------------------
    def save_checkpoint(self, path: Any, **extra: Any) -> None:
        """Save model, optimizer, scheduler, epoch, RNG state, history and the training
        loader's shuffling state to ``path``."""
        save_checkpoint(path, self.model, self.optimizer, self.scheduler, epoch=self.epoch,
                        loader=self.train_loader, history=self.history.state_dict(), **extra)

    def load_checkpoint(self, path: Any) -> dict[str, Any]:
        """Restore everything `save_checkpoint` saved; the next `fit` goes on from there."""
        state = load_checkpoint(path, self.model, self.optimizer, self.scheduler)
        self.epoch = int(state.get("epoch") or 0)
        self._loader_state = state.get("loader")  # the next fit's loader takes it
        if "history" in state:
            self.history.load_state_dict(state["history"])
        return state


def fit(model: Any, train_loader: Iterable, optimizer: Any, epochs: int,
        loss_fn: Callable = cross_entropy, val_loader: Iterable | None = None,
        scheduler: Any = None, callbacks: Iterable[Callback] = (), device: Any = None,
        progress: bool = True, resume: str | os.PathLike | None = None) -> History:
    """Train ``model`` for ``epochs`` epochs and return the per-epoch `History`.

    Each epoch: train on ``train_loader`` (batches ``(x, y)``), evaluate on ``val_loader``
    if given, step ``scheduler`` (every epoch), then run ``callbacks`` (early stopping,
    checkpoints, CSV logs...). A model returning ``(logits, features)`` is trained on the
    logits. ``progress`` shows a tqdm bar per epoch on a terminal or in a notebook. A
    non-finite loss stops training with a `FloatingPointError` naming the epoch and step,
    before that step's update.

    ``resume``: a checkpoint saved by `Trainer.save_checkpoint` (e.g. by `ModelCheckpoint`)
    to go on from: model, optimizer, scheduler, history, random generators and the
    loader's shuffling are restored and training continues up to ``epochs`` epochs in
    all, giving bit for bit the weights of an uninterrupted run (on the CPU).
    """
    trainer = Trainer(model, optimizer, loss_fn=loss_fn, scheduler=scheduler,
                      callbacks=callbacks, device=device, progress=progress)
    if resume is not None:
        trainer.load_checkpoint(resume)
        if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 0:
            epochs = max(0, epochs - trainer.epoch)  # the epochs still to train
    return trainer.fit(train_loader, epochs, val_loader=val_loader)
