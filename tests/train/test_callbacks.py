"""Callbacks and History: early stopping, loss threshold, checkpoints, LR schedules, CSV."""

from __future__ import annotations

import io as pyio
import math

import numpy as np
import pytest

import tinycnn
from tinycnn import nn, optim
from tinycnn.train import (
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LossThreshold,
    LRSchedulerCallback,
    ModelCheckpoint,
    ProgressBar,
    fit,
)


class FakeTrainer:
    """Just what the callbacks touch."""

    def __init__(self, model=None):
        self.model = model
        self.stop_training = False
        self.epoch = 0


def _drive(cb, values, monitor="val_loss", trainer=None, before_epoch=None):
    """Feed ``values`` as successive epochs; return the epoch training stopped at (or None)."""
    trainer = trainer or FakeTrainer()
    cb.on_train_begin(trainer)
    for epoch, v in enumerate(values, 1):
        trainer.epoch = epoch
        if before_epoch:
            before_epoch(trainer, epoch)
        cb.on_epoch_end(trainer, epoch, {monitor: v})
        if trainer.stop_training:
            cb.on_train_end(trainer)
            return epoch
    cb.on_train_end(trainer)
    return None


@pytest.mark.parametrize("values, patience, min_delta, stop", [
    ([1.0, 0.9, 0.95, 0.97, 0.5], 1, 0.0, 3),     # first epoch without improvement
    ([1.0, 0.9, 0.95, 0.97, 0.5], 2, 0.0, 4),     # second epoch in a row without one
    ([1.0, 0.9, 0.95, 0.97, 0.5], 3, 0.0, None),  # the 0.5 comes in time
    ([1.0, 0.99, 0.98, 0.97], 2, 0.05, 3),        # improvements smaller than min_delta
    ([1.0, 1.0], 0, 0.0, 2),                      # equal is not better
    ([1.0, math.nan, 0.5], 2, 0.0, None),         # NaN is never an improvement...
    ([1.0, math.nan, 0.9, math.nan], 1, 0.0, 2),  # ...and counts as a bad epoch
])
def test_early_stopping_patience(values, patience, min_delta, stop):
    cb = EarlyStopping("val_loss", patience=patience, min_delta=min_delta)
    assert _drive(cb, values) == stop
    assert cb.stopped_epoch == stop


def test_early_stopping_on_accuracy_maximises():
    cb = EarlyStopping("val_acc", patience=0)
    assert _drive(cb, [0.5, 0.7, 0.6], monitor="val_acc") == 3
    assert cb.best == 0.7 and cb.best_epoch == 2


def test_early_stopping_restores_best_weights():
    model = nn.Linear(2, 1)

    def set_weights(trainer, epoch):  # the "training" of each epoch
        model.weight._data[...] = epoch

    cb = EarlyStopping("val_loss", patience=1, restore_best_weights=True)
    assert _drive(cb, [3.0, 1.0, 2.0, 2.5], trainer=FakeTrainer(model),
                  before_epoch=set_weights) == 3
    np.testing.assert_array_equal(model.weight.numpy(), [[2.0, 2.0]])


def test_monitor_missing_is_a_clear_error():
    with pytest.raises(ValueError, match=r"monitor='val_loss' is not available \(pass a "
                                         r"val_loader to fit\); available: \['train_loss'\]"):
        EarlyStopping().on_epoch_end(FakeTrainer(), 1, {"train_loss": 1.0, "val_loss": None})
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="up")


def _data(n=32):
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 4)).astype(np.float32)
    x[:, 0] += np.where(y == 0, 1.0, -1.0)
    return [(tinycnn.tensor(x[i:i + 8]), tinycnn.tensor(y[i:i + 8])) for i in range(0, n, 8)]


def _model():
    tinycnn.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def test_early_stopping_inside_fit():
    model = _model()
    history = fit(model, _data(), optim.SGD(model.parameters(), lr=0.0), epochs=10,
                  val_loader=_data(), callbacks=[EarlyStopping("val_loss", patience=2)],
                  progress=False)
    assert len(history) == 3  # lr 0: nothing improves after epoch 1


def test_loss_threshold_per_epoch_and_per_batch():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    cb = LossThreshold(0.3)
    history = fit(model, _data(), opt, epochs=200, callbacks=[cb], progress=False)
    assert history["train_loss"][-1] <= 0.3 < min(history["train_loss"][:-1])
    assert cb.stopped_epoch == len(history)

    model = _model()
    steps = []
    cb = LossThreshold(10.0, per_batch=True)
    counter = LambdaCallback(on_batch_end=lambda t, step, logs: steps.append(step))
    history = fit(model, _data(), optim.SGD(model.parameters(), lr=0.0), epochs=3,
                  callbacks=[cb, counter], progress=False)
    assert steps == [1] and len(history) == 1  # stopped right after the first batch
    assert cb.stopped_epoch == 1


def test_model_checkpoint_keeps_the_best_and_restores_it(tmp_path):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.5)
    weights = {}
    ckpt = ModelCheckpoint(tmp_path / "best.npz", monitor="val_loss", model_name="tiny")
    remember = LambdaCallback(on_epoch_end=lambda t, e, logs: weights.__setitem__(
        e, model.state_dict()["0.weight"].numpy().copy()))
    history = fit(model, _data(), opt, epochs=4, val_loader=_data(),
                  callbacks=[remember, ckpt], progress=False)
    best_epoch = history.best("val_loss")["epoch"]
    assert ckpt.best_epoch == best_epoch and ckpt.best == min(history["val_loss"])
    saved = tinycnn.load(tmp_path / "best.npz")
    assert saved["epoch"] == best_epoch and saved["model_name"] == "tiny"
    assert saved["monitor"] == "val_loss" and len(saved["history"]["records"]) == best_epoch
    assert {"optimizer", "rng"} <= set(saved)
    fresh = _model()
    fresh.load_state_dict({k: np.zeros_like(v.numpy()) for k, v in fresh.state_dict().items()})
    ckpt.restore_best(fresh)
    np.testing.assert_array_equal(fresh.state_dict()["0.weight"].numpy(), weights[best_epoch])


def test_model_checkpoint_every_epoch_with_a_template(tmp_path):
    model = _model()
    fit(model, _data(), optim.SGD(model.parameters(), lr=0.1), epochs=3,
        callbacks=[ModelCheckpoint(tmp_path / "ep{epoch:02d}.npz", monitor="train_loss",
                                   save_best_only=False)], progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep01.npz", "ep02.npz", "ep03.npz"]
    assert tinycnn.load(tmp_path / "ep02.npz")["epoch"] == 2
    with pytest.raises(RuntimeError, match="no checkpoint was saved"):
        ModelCheckpoint(tmp_path / "x.npz").restore_best(model)


def test_scheduler_steps_every_epoch_and_lr_is_recorded():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    history = fit(model, _data(), opt, epochs=5, scheduler=sched, progress=False)
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001])


def test_scheduler_callback_per_step_and_on_plateau():
    model = _model()
    opt = optim.SGD(model.parameters(), lr=1.0)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, _data(), opt, epochs=1, callbacks=[LRSchedulerCallback(sched, interval="step")],
        progress=False)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5 ** 4)  # 4 batches

    model = _model()
    opt = optim.SGD(model.parameters(), lr=1e-6)  # too small to improve: a plateau
    plateau = optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    cb = LRSchedulerCallback(plateau)
    assert cb.monitor == "val_loss"
    plateau_hist = fit(model, _data(), opt, epochs=3, val_loader=_data(), callbacks=[cb],
                       progress=False)
    # epoch 1 sets the best val_loss; each later epoch fails to improve and halves the lr
    assert plateau_hist["lr"] == pytest.approx([1e-6, 1e-6, 5e-7])
    assert opt.param_groups[0]["lr"] == pytest.approx(2.5e-7)
    with pytest.raises(ValueError, match="interval"):
        LRSchedulerCallback(sched, interval="batch")


def test_csv_logger_matches_history_and_appends(tmp_path):
    path = tmp_path / "log" / "h.csv"
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, _data(), opt, epochs=2, val_loader=_data(),
                  callbacks=[CSVLogger(path)], progress=False)
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_acc,val_loss,val_acc,lr,time"
    assert len(lines) == 3
    read = History.from_csv(path)
    assert read["epoch"] == [1, 2]
    assert read["val_loss"] == pytest.approx(history["val_loss"], rel=1e-12)
    fit(model, _data(), opt, epochs=1, callbacks=[CSVLogger(path, append=True)], progress=False)
    read = History.from_csv(path)
    assert len(read) == 3 and read["val_loss"][2] is None  # no validation in the third run
    fit(model, _data(), opt, epochs=1, callbacks=[CSVLogger(path)], progress=False)
    assert len(History.from_csv(path)) == 1  # not appending: a fresh file


class _Tty(pyio.StringIO):
    def isatty(self):
        return True


def test_progress_bar_only_on_a_terminal(capsys):
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)
    fit(model, _data(), opt, epochs=1, val_loader=_data())  # progress=True, stdout captured
    assert capsys.readouterr().out == ""
    tty = _Tty()
    fit(model, _data(), opt, epochs=2, val_loader=_data(), progress=False,
        callbacks=[ProgressBar(stream=tty)])
    text = tty.getvalue()
    assert "epoch 1/2" in text and "epoch 2/2" in text and "val_acc=" in text
    assert "4/4" in text  # 4 batches per epoch


def test_history_helpers(tmp_path):
    h = History([{"epoch": 1, "train_loss": 1.0, "val_acc": 0.5, "extra": "x"},
                 {"epoch": 2, "train_loss": 0.5, "val_acc": 0.7},
                 {"epoch": 3, "train_loss": 0.7, "val_acc": 0.7}])
    assert h.best()["epoch"] == 2  # ties: the earliest
    assert h.best("train_loss")["epoch"] == 2
    assert h.best("val_acc", mode="min")["epoch"] == 1
    assert h[-1]["epoch"] == 3 and h.last == h[-1]
    assert h["extra"] == ["x", None, None] and "extra" in h
    assert h.keys() == ["epoch", "train_loss", "val_acc", "extra"]
    with pytest.raises(KeyError, match="no 'val_loss'"):
        h["val_loss"]
    with pytest.raises(ValueError, match="no epoch has a value"):
        History([{"epoch": 1, "val_acc": None}]).best()
    h.to_csv(tmp_path / "h.csv")
    back = History.from_csv(tmp_path / "h.csv")
    assert back.records[0] == h.records[0]
    assert back.records[1] == {**h.records[1], "extra": None}
    assert "3 epochs" in repr(h)
