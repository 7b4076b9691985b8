"""tinycnn and PyTorch trained side by side: same net, same initial weights, same batches.

Where a report's run is far too long for a CPU (report 001's 250 epochs, report 002's
width-100 nets), this shows that tinycnn trains as PyTorch does on the report's own
configuration, for as many epochs (or steps) as fit. The PyTorch twin is built from the
tinycnn net layer by layer (`benchmarks.nets.to_torch`) and gets a copy of its initial
weights; both see the same batches in the same order. Dropout masks come from each
framework's own generator, so the curves agree in distribution, not bit for bit (the
first evaluation, before any step, agrees to float rounding: it is printed).

    python -m benchmarks.side_by_side cnn49k --epochs 2
    python -m benchmarks.side_by_side grid5x3 --train-size 3000 --val-size 1000

Writes ``OUT/side_by_side.md`` (a per-epoch table and the command), ``side_by_side.json``
and ``side_by_side.png`` (loss and accuracy against steps).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .nets import to_torch


@dataclass(frozen=True)
class Config:
    """A report's training configuration: the net, optimizer, batch, learning rate."""

    what: str
    build: Callable[[], Any]
    optimizer: str  # "adam" or "sgd"
    lr: float
    batch: int
    momentum: float = 0.0
    weight_decay: float = 0.0
    keras_decay: float = 0.0  # lr / (1 + decay * step), Keras' "decay" argument


def _configs() -> dict[str, Config]:
    from tinycnn import models  # noqa: PLC0415

    return {
        "cnn49k": Config("report 001's 49,268-parameter CNN: Adam lr 1e-4, Keras decay 1e-6, "
                         "batch 32 (report: 250 epochs, 77.65 %)", models.cifar_cnn_49k,
                         "adam", 1e-4, 32, keras_decay=1e-6),
        "grid5x3": Config("report 002's 5 conv x 3 FC net at the report's width (conv i has "
                          "100*i kernels): SGD lr 0.001 momentum 0.9, batch 10 (report: 5 "
                          "epochs, 56.86 %)", lambda: models.grid_cnn(5, 3, width=100,
                                                                     fc_width=100),
                          "sgd", 1e-3, 10, momentum=0.9),
        "vgg16_cifar": Config("report 001's VGG-16 for CIFAR (BatchNorm and dropout after "
                              "every conv), with the recipe of tinycnn's substitute source: "
                              "SGD lr 0.01 momentum 0.9 weight decay 5e-4, batch 128 (no "
                              "augmentation or schedule here)", models.vgg16_cifar,
                              "sgd", 1e-2, 128, momentum=0.9, weight_decay=5e-4),
    }


def cifar10_arrays(root: Path, train_size: int | None, val_size: int | None,
                   seed: int) -> tuple[np.ndarray, ...]:
    """CIFAR-10 as normalised float32 NCHW arrays: the first ``train_size`` images of a
    seeded permutation of the training set, the first ``val_size`` of the test set."""
    from tinycnn import models  # noqa: PLC0415
    from tinycnn.data.datasets import CIFAR10  # noqa: PLC0415

    mean = np.asarray(models.CIFAR10.mean, np.float32)
    std = np.asarray(models.CIFAR10.std, np.float32)

    def prepare(ds: Any, n: int | None, pick: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        x, y = np.asarray(ds.data), np.asarray(ds.targets, np.int64)
        idx = pick[:n] if pick is not None else np.arange(len(y))[:n]
        xs = (x[idx].astype(np.float32) / 255 - mean) / std
        return np.ascontiguousarray(xs.transpose(0, 3, 1, 2)), y[idx]

    train = CIFAR10(root, train=True)
    order = np.random.default_rng(seed).permutation(len(train.targets))
    return (*prepare(train, train_size, order), *prepare(CIFAR10(root, train=False), val_size, None))


class Side:
    """One framework's model and optimizer, with train / evaluate steps on numpy batches."""

    def __init__(self, name: str, model: Any, cfg: Config) -> None:
        self.name, self.model, self.cfg = name, model, cfg
        if name == "tinycnn":
            from tinycnn import optim  # noqa: PLC0415
        else:
            import torch.optim as optim  # noqa: PLC0415
        if cfg.optimizer == "adam":
            self.opt = optim.Adam(model.parameters(), lr=cfg.lr)
        else:
            self.opt = optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                 weight_decay=cfg.weight_decay)

    def _forward_loss(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        if self.name == "tinycnn":
            import tinycnn  # noqa: PLC0415
            from tinycnn.functional import cross_entropy  # noqa: PLC0415

            logits = self.model(tinycnn.tensor(x))
            return logits, cross_entropy(logits, tinycnn.tensor(y))
        import torch  # noqa: PLC0415

        logits = self.model(torch.from_numpy(x))
        return logits, torch.nn.functional.cross_entropy(logits, torch.from_numpy(y))

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
        """One step at learning rate ``lr``: (loss, correct predictions)."""
        for group in self.opt.param_groups:
            group["lr"] = lr
        self.model.train()
        self.opt.zero_grad()
        logits, loss = self._forward_loss(x, y)
        loss.backward()
        self.opt.step()
        return float(loss.item()), int((np.asarray(logits.detach().numpy()).argmax(1) == y).sum())

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch: int = 500) -> tuple[float, float]:
        """Mean loss and accuracy on (x, y), eval mode, no graph."""
        import torch  # noqa: PLC0415

        import tinycnn  # noqa: PLC0415

        self.model.eval()
        total, correct = 0.0, 0
        grad_off = tinycnn.no_grad() if self.name == "tinycnn" else torch.no_grad()
        with grad_off:
            for i in range(0, len(y), batch):
                logits, loss = self._forward_loss(x[i:i + batch], y[i:i + batch])
                total += float(loss.item()) * len(y[i:i + batch])
                correct += int((np.asarray(logits.numpy()).argmax(1) == y[i:i + batch]).sum())
        return total / len(y), correct / len(y)


def copy_weights(tiny: Any, twin: Any) -> None:
    """Load the tinycnn model's parameters and buffers into its PyTorch twin (strict)."""
    import torch  # noqa: PLC0415

    state = {k: torch.from_numpy(np.array(v.data if hasattr(v, "data") else v))
             for k, v in tiny.state_dict().items()}
    twin.load_state_dict(state, strict=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch  # noqa: PLC0415

    import tinycnn  # noqa: PLC0415

    cfg = _configs()[args.net]
    torch.set_num_threads(args.torch_threads)
    tinycnn.manual_seed(args.seed)
    torch.manual_seed(args.seed)
    tiny = cfg.build()
    twin = to_torch(tiny)
    copy_weights(tiny, twin)
    sides = [Side("tinycnn", tiny, cfg), Side("pytorch", twin, cfg)]
    xt, yt, xv, yv = cifar10_arrays(Path(args.data_root), args.train_size, args.val_size,
                                    args.seed)
    print(f"{cfg.what}\n{len(yt)} training / {len(yv)} validation images, "
          f"{args.epochs} epochs, torch {torch.__version__} ({torch.get_num_threads()} threads)",
          flush=True)
    records: list[dict[str, Any]] = []
    curves: dict[str, list[tuple[int, float]]] = {s.name: [] for s in sides}
    for s in sides:
        loss, acc = s.evaluate(xv, yv)
        records.append({"epoch": 0, "framework": s.name, "val_loss": loss, "val_acc": acc})
    print(f"before training: val_loss tinycnn {records[0]['val_loss']:.6f} pytorch "
          f"{records[1]['val_loss']:.6f}", flush=True)
    gen = np.random.default_rng(args.seed)
    step = 0
    for epoch in range(1, args.epochs + 1):
        order = gen.permutation(len(yt))
        batches = [order[i:i + cfg.batch] for i in range(0, len(order), cfg.batch)]
        for s in sides:  # one epoch of each, on the same batches
            start, loss_sum, hits, window = time.perf_counter(), 0.0, 0, []
            for k, idx in enumerate(batches):
                lr = cfg.lr / (1.0 + cfg.keras_decay * (step + k))
                loss, correct = s.train_step(xt[idx], yt[idx], lr)
                loss_sum, hits = loss_sum + loss * len(idx), hits + correct
                window.append(loss)
                if len(window) == args.log_every:
                    curves[s.name].append((step + k + 1, float(np.mean(window))))
                    window = []
            seconds = time.perf_counter() - start
            val_loss, val_acc = s.evaluate(xv, yv)
            rec = {"epoch": epoch, "framework": s.name, "train_loss": loss_sum / len(yt),
                   "train_acc": hits / len(yt), "val_loss": val_loss, "val_acc": val_acc,
                   "train_seconds": round(seconds, 1)}
            records.append(rec)
            print(json.dumps(rec), flush=True)
        step += len(batches)
    return {"config": cfg.what, "net": args.net, "records": records, "curves": curves,
            "train_images": len(yt), "val_images": len(yv), "torch": torch.__version__}


def write_outputs(result: dict[str, Any], out: Path, command: str) -> None:
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    out.mkdir(parents=True, exist_ok=True)
    (out / "side_by_side.json").write_text(json.dumps({**result, "command": command}, indent=1))
    cols = ["epoch", "framework", "train_loss", "train_acc", "val_loss", "val_acc",
            "train_seconds"]
    lines = [f"## tinycnn vs PyTorch: {result['config']}", "",
             f"{result['train_images']} training / {result['val_images']} validation images "
             f"(CIFAR-10), same initial weights and batch order; torch {result['torch']}.", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in result["records"]:
        lines.append("| " + " | ".join(
            "" if r.get(c) is None else f"{r[c]:.4f}" if isinstance(r[c], float)
            and c != "train_seconds" else str(r[c])
            for c in cols) + " |")
    lines += ["", f"Command: `{command}`", ""]
    (out / "side_by_side.md").write_text("\n".join(lines))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for name, points in result["curves"].items():
        if points:
            xs, ys = zip(*points)
            ax1.plot(xs, ys, label=name)
        recs = [r for r in result["records"] if r["framework"] == name]
        ax2.plot([r["epoch"] for r in recs], [r["val_acc"] for r in recs], "o-", label=name)
    ax1.set(xlabel="step", ylabel="training loss (running mean)", title="training loss")
    ax2.set(xlabel="epoch", ylabel="validation accuracy", title="validation accuracy")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(result["config"], fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "side_by_side.png")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("net", choices=sorted(_configs()), help="the report's configuration")
    p.add_argument("--epochs", type=int, default=1, help="epochs (default: 1)")
    p.add_argument("--train-size", type=int, default=None,
                   help="training images (default: all 50,000)")
    p.add_argument("--val-size", type=int, default=None,
                   help="validation images from the test set (default: all 10,000)")
    p.add_argument("--log-every", type=int, default=50, help="steps per point of the loss curve")
    p.add_argument("--data-root", default="../shared/data", help="folder holding cifar-10/")
    p.add_argument("--out", default="runs/side_by_side", help="output folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--torch-threads", type=int, default=1,
                   help="PyTorch's intra-op threads (default: 1; on 2 shared cores its "
                        "OpenMP pool spins and a 49k-CNN step took 9x longer with 2)")
    args = p.parse_args(argv)
    for name in ("epochs", "train_size", "val_size", "log_every", "torch_threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {value}")
    command = " ".join(["python -m benchmarks.side_by_side",
                        *map(shlex.quote, sys.argv[1:] if argv is None else argv)])
    result = run(args)
    write_outputs(result, Path(args.out) / args.net, command)
    print(f"written to {Path(args.out) / args.net}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
