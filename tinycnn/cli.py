"""The ``tinycnn`` command line (also ``python -m tinycnn``).

    tinycnn download cifar10          # into --data-root (or the folder below)
    tinycnn train --dataset cifar10 --epochs 2 --out runs/x   # a model that fits the data
    tinycnn evaluate runs/x/best.npz
    tinycnn summary resnet18          # input size from the model's preprocessing
    tinycnn models                    # names with one-line descriptions
    tinycnn bench --quick             # the benchmarks (in a source checkout)

Data: ``--data-root DIR``, else ``$TINYCNN_DATA``, else ``../shared/data`` next to the
checkout (`tinycnn.data.root`); ``--download`` fetches a missing dataset.

Sub-commands live in a registry: a new one is a function that adds its arguments and a
function that runs it, registered with `command`::

    def _hello_args(p):
        p.add_argument("name")

    @command("hello", "say hello", _hello_args)
    def _hello(args):
        print("hello", args.name)

Bad input ends with one line on stderr (``tinycnn train: error: ...``) and exit status
2, not a traceback; set ``TINYCNN_DEBUG=1`` to see the traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


@dataclass
class Command:
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int | None]


COMMANDS: dict[str, Command] = {}


def command(name: str, help: str,
            add_arguments: Callable[[argparse.ArgumentParser], None]) -> Callable:
    """Register ``tinycnn NAME`` (decorates the function that runs it)."""
    def register(run: Callable[[argparse.Namespace], int | None]) -> Callable:
        COMMANDS[name] = Command(name, help, add_arguments, run)
        return run
    return register


class _Parser(argparse.ArgumentParser):
    """argparse, with errors on one line (plus where to find help)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# --- datasets -------------------------------------------------------------------------
# name -> (class in tinycnn.data.datasets, per-channel mean, std of the training set)
DATASETS: dict[str, tuple[str, tuple[float, ...], tuple[float, ...]]] = {
    "mnist": ("MNIST", (0.1307,), (0.3081,)),
    "fashion-mnist": ("FashionMNIST", (0.2860,), (0.3530,)),
    "cifar10": ("CIFAR10", (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": ("CIFAR100", (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
}
# the model `tinycnn train` picks for a dataset; each dataset's image shape and classes
DEFAULT_MODEL = {"mnist": "lenet5", "fashion-mnist": "lenet5", "cifar10": "cifar_cnn_49k",
                 "cifar100": "dediosnet2"}
INPUT_SHAPE = {"mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32),
               "cifar100": (3, 32, 32)}
NUM_CLASSES = {"mnist": 10, "fashion-mnist": 10, "cifar10": 10, "cifar100": 100}


@dataclass
class Data:
    train: Any
    val: Any
    test: Any
    classes: list[str]
    sizes: str


def loaders(name: str, root: Path, batch_size: int, limit: int | None = None,
            val_split: float = 0.0, train: bool = True, download: bool = False) -> Data:
    """DataLoaders for a dataset of `DATASETS`, normalised with its training statistics.

    ``val_split`` > 0 holds out that fraction of the training set (stratified) for
    validation; otherwise validation uses the test set. ``limit`` keeps the first N
    samples of each split. ``train=False`` loads only the test set. ``download`` fetches
    a dataset missing from ``root``.
    """
    from .data import DataLoader, Subset, datasets, stratified_split  # noqa: PLC0415
    from .data import transforms as T  # noqa: PLC0415

    cls_name, mean, std = DATASETS[name]
    transform = T.Compose([T.ToTensor(), T.Normalize(mean, std)])

    def read(train: bool) -> Any:
        try:
            ds = getattr(datasets, cls_name)(root, train=train, transform=transform,
                                             download=download)
        except FileNotFoundError as e:  # the dataset's hint, in command-line terms
            raise CLIError(str(e).replace("Pass download=True", "Add --download")) from None
        except RuntimeError as e:  # a download that failed says what to do instead
            if not download:
                raise
            raise CLIError(str(e)) from None
        return Subset(ds, range(min(limit, len(ds)))) if limit else ds

    test_ds = read(train=False)
    test = DataLoader(test_ds, batch_size=max(batch_size, 256))
    train_ds = val_ds = None
    if train:
        train_ds = read(train=True)
        if val_split > 0:
            train_ds, val_ds = stratified_split(train_ds, [1 - val_split, val_split], seed=0)
    train_loader = (DataLoader(train_ds, batch_size=batch_size, shuffle=True)
                    if train_ds is not None else None)
    val = DataLoader(val_ds, batch_size=max(batch_size, 256)) if val_ds is not None else test
    sizes = ", ".join(f"{k} {len(d)}" for k, d in (("train", train_ds), ("validation", val_ds),
                                                    ("test", test_ds)) if d is not None)
    return Data(train_loader, val, test, list(test_ds.classes), sizes)


# --- shared argument helpers ----------------------------------------------------------

def _shape(text: str) -> tuple[int, ...]:
    """``"1,28,28"`` -> (1, 28, 28)."""
    try:
        shape = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 1,28,28, got {text!r}") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 1,28,28, got {text!r}")
    return shape


def _positive(cast: Callable) -> Callable:
    def parse(text: str) -> Any:
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
        return value
    return parse


def _add_data_args(p: argparse.ArgumentParser, dataset_default: str | None = "mnist") -> None:
    p.add_argument("--dataset", choices=sorted(DATASETS), default=dataset_default,
                   help="dataset name" + (f" (default: {dataset_default})" if dataset_default
                                          else " (default: the one in the checkpoint)"))
    p.add_argument("--data-root", default=None,
                   help="folder holding the dataset folders (mnist/, cifar-10/ ...); "
                        "default: $TINYCNN_DATA, else ../shared/data next to the checkout")
    p.add_argument("--download", action="store_true",
                   help="download the dataset when it is missing (into --data-root, "
                        "else ./data)")
    p.add_argument("--batch-size", type=_positive(int), default=64, help="default: 64")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    p.add_argument("--limit", type=_positive(int), default=None,
                   help="use only the first N training and N test samples (smoke tests)")


def _data_root(args: argparse.Namespace) -> Path:
    from .data.root import DataRootError, resolve_data_root  # noqa: PLC0415

    try:
        return resolve_data_root(args.data_root, download=args.download)
    except DataRootError as e:
        raise CLIError(str(e)) from None


# --- tinycnn train --------------------------------------------------------------------

def _train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=None,
                   help="a name from `tinycnn models` (default: one made for the dataset: "
                        + ", ".join(f"{m} for {d}" for d, m in DEFAULT_MODEL.items()) + ")")
    _add_data_args(p)
    p.add_argument("--epochs", type=_positive(int), default=2, help="default: 2")
    p.add_argument("--optimizer", choices=["sgd", "adam"], default="adam", help="default: adam")
    p.add_argument("--lr", type=_positive(float), default=1e-3, help="default: 1e-3")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: 0.9)")
    p.add_argument("--weight-decay", type=float, default=0.0, help="default: 0")
    p.add_argument("--step-size", type=_positive(int), default=None,
                   help="StepLR: multiply the learning rate by --gamma every N epochs")
    p.add_argument("--gamma", type=_positive(float), default=0.1, help="StepLR factor (0.1)")
    p.add_argument("--val-split", type=float, default=0.0,
                   help="fraction of the training set held out for validation; 0 (the "
                        "default) validates on the test set, as the course reports do")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument("--out", default="runs/train", help="output folder (default: runs/train)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


@command("train", "train a model from the zoo on a dataset", _train_args)
def _train(args: argparse.Namespace) -> int:
    import tinycnn  # noqa: PLC0415

    from . import optim, plot  # noqa: PLC0415
    from .train import CSVLogger, LambdaCallback, ModelCheckpoint, evaluate, fit  # noqa: PLC0415

    if not 0.0 <= args.val_split < 1.0:
        raise CLIError(f"--val-split must be in [0, 1), got {args.val_split}")
    tinycnn.manual_seed(args.seed)
    args.model = args.model or DEFAULT_MODEL[args.dataset]
    model = _build_model(args.model, num_classes=NUM_CLASSES[args.dataset])
    _check_fits(model, args.model, args.dataset)
    data = loaders(args.dataset, _data_root(args), args.batch_size, args.limit, args.val_split,
                   download=args.download)
    model.to(args.device)
    if args.optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)
    else:
        opt = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum,
                        weight_decay=args.weight_decay)
    scheduler = (optim.lr_scheduler.StepLR(opt, step_size=args.step_size, gamma=args.gamma)
                 if args.step_size else None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    best = ModelCheckpoint(out / "best.npz", monitor="val_acc", model_name=args.model,
                           num_classes=len(data.classes), dataset=args.dataset)
    callbacks = [CSVLogger(out / "history.csv"), best, LambdaCallback(on_epoch_end=_print_epoch)]
    print(f"training {args.model} on {args.dataset}: {data.sizes}", flush=True)
    start = time.perf_counter()
    history = fit(model, data.train, opt, args.epochs, val_loader=data.val, scheduler=scheduler,
                  callbacks=callbacks, progress=not args.no_progress)
    wall = time.perf_counter() - start
    history.plot(out / "curves.png", title=f"{args.model} on {args.dataset}")
    best.restore_best(model)
    result = evaluate(model, data.test)
    plot.confusion_matrix(result.targets, result.predictions, class_names=data.classes,
                          path=out / "confusion.png",
                          title=f"{args.model} on {args.dataset} (test accuracy "
                                f"{result.accuracy:.4f})")
    rec = history.best("val_acc")
    print(f"best epoch {rec['epoch']}: val_acc {rec['val_acc']:.4f}; "
          f"test loss {result.loss:.4f}, test accuracy {result.accuracy:.4f}; "
          f"training time {wall:.1f} s")
    print(f"wrote {out / 'history.csv'}, {out / 'curves.png'}, {out / 'confusion.png'}, "
          f"{out / 'best.npz'}")
    return 0


def _print_epoch(trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
    val = (f", val_loss {logs['val_loss']:.4f}, val_acc {logs['val_acc']:.4f}"
           if logs.get("val_loss") is not None else "")
    print(f"epoch {epoch}/{trainer.final_epoch}: train_loss {logs['train_loss']:.4f}, "
          f"train_acc {logs['train_acc']:.4f}{val}, lr {logs['lr']:.3g}, "
          f"{logs['time']:.1f} s", flush=True)


def input_shape(model: Any) -> tuple[int, int, int]:
    """The input ``(C, H, W)`` a zoo model is made for, from its preprocessing: the crop
    size of ImageNet models (3x224x224); 28x28 for MNIST nets, 32x32 for CIFAR nets."""
    from .models import MNIST  # noqa: PLC0415

    pre = model.preprocessing
    size = pre.crop or (28 if pre == MNIST else 32)
    return (len(pre.mean), size, size)


def _check_fits(model: Any, name: str, dataset: str) -> None:
    """A model made for images with another number of channels than the dataset's raises a
    `CLIError` naming one that fits."""
    want, have = input_shape(model), INPUT_SHAPE[dataset]
    if want[0] != have[0]:
        raise CLIError(f"{name} takes {'x'.join(map(str, want))} images, {dataset} has "
                       f"{'x'.join(map(str, have))}: pick a model made for it, e.g. --model "
                       f"{DEFAULT_MODEL[dataset]} (see `tinycnn models`)")


def _build_model(name: str, **kwargs: Any) -> Any:
    from . import models  # noqa: PLC0415

    if name not in models.list_models():
        raise CLIError(f"unknown model {name!r}; available: {', '.join(models.list_models())}")
    return models.get_model(name, **kwargs)


# --- tinycnn evaluate -----------------------------------------------------------------

def _evaluate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("checkpoint", help="a checkpoint written by `tinycnn train` (best.npz)")
    _add_data_args(p, dataset_default=None)
    p.add_argument("--confusion", default=None, metavar="PNG",
                   help="also save the confusion matrix to this PNG file")


@command("evaluate", "test a saved checkpoint on a dataset's test set", _evaluate_args)
def _evaluate(args: argparse.Namespace) -> int:
    from . import io, plot  # noqa: PLC0415
    from .train import evaluate  # noqa: PLC0415

    if not Path(args.checkpoint).is_file():
        raise CLIError(f"no such checkpoint file {args.checkpoint!r}")
    state = io.load(args.checkpoint)
    if not isinstance(state, dict) or "model_name" not in state:
        raise CLIError(f"{args.checkpoint!r} does not say which model it holds (no "
                       "'model_name'): it was not written by `tinycnn train`")
    dataset = args.dataset or state.get("dataset")
    if dataset is None:
        raise CLIError("pass --dataset: the checkpoint does not name one")
    if dataset not in DATASETS:
        raise CLIError(f"unknown dataset {dataset!r}; available: {', '.join(DATASETS)}")
    data = loaders(dataset, _data_root(args), args.batch_size, args.limit, train=False,
                   download=args.download)
    model = _build_model(state["model_name"], num_classes=int(state["num_classes"]))
    model.load_state_dict(state["model"])
    model.to(args.device)
    result = evaluate(model, data.test)
    print(f"{state['model_name']} (epoch {state.get('epoch')}) on {dataset} test set "
          f"({len(result.targets)} images): loss {result.loss:.4f}, accuracy "
          f"{result.accuracy:.4f}")
    for name, acc in zip(data.classes, result.per_class_accuracy):
        print(f"  {name:>12}: {acc:.4f}")
    if args.confusion:
        plot.confusion_matrix(result.targets, result.predictions, class_names=data.classes,
                              path=args.confusion)
        print(f"wrote {args.confusion}")
    return 0


# --- tinycnn download -----------------------------------------------------------------

def _download_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("dataset", choices=sorted(DATASETS), help="dataset name")
    p.add_argument("--data-root", default=None,
                   help="where to put it (default: $TINYCNN_DATA, else ../shared/data next to "
                        "the checkout, else ./data)")


@command("download", "download a dataset (training and test sets) into the data folder",
         _download_args)
def _download(args: argparse.Namespace) -> int:
    root = _data_root(argparse.Namespace(data_root=args.data_root, download=True))
    data = loaders(args.dataset, root, batch_size=1, download=True)
    print(f"{args.dataset} in {root}: {data.sizes}")
    return 0


# --- tinycnn summary / models ---------------------------------------------------------

def _summary_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a name from `tinycnn models`")
    p.add_argument("--input", type=_shape, default=None,
                   help="input shape C,H,W without the batch (default: the model's, from its "
                        "preprocessing: 3,224,224 for ImageNet models)")
    p.add_argument("--num-classes", type=_positive(int), default=None,
                   help="number of outputs (default: the model's)")
    p.add_argument("--keras", action="store_true",
                   help="count as Keras does (BatchNorm's running statistics as non-trainable "
                        "parameters); default: PyTorch's counts, buffers apart")


@command("summary", "print a model's layers, output shapes and parameter counts", _summary_args)
def _summary(args: argparse.Namespace) -> int:
    from .nn import summary  # noqa: PLC0415

    kwargs = {"num_classes": args.num_classes} if args.num_classes else {}
    model = _build_model(args.model, **kwargs)
    summary(model, args.input or input_shape(model), style="keras" if args.keras else "torch")
    return 0


def describe(name: str) -> str:
    """A zoo model's one-line description: the first sentence of its builder's docstring."""
    from . import models  # noqa: PLC0415

    doc = (models.get_model_builder(name).__doc__ or "").strip()
    line = re.split(r"\.\s", doc.split("\n\n")[0].replace("\n", " "))[0]
    line = re.sub(r"\s*\(see `\w+`\)|;\s*``weights``.*|``|`", "", line)
    return " ".join(line.split()).rstrip(".")


@command("models", "list the model names with a one-line description each", lambda p: None)
def _models(args: argparse.Namespace) -> int:
    from . import models  # noqa: PLC0415

    names = models.list_models()
    width = max(map(len, names))
    print("\n".join(f"{n:<{width}}  {describe(n)}" for n in names))
    return 0


# --- tinycnn bench (benchmarks/run.py of a source checkout) ---------------------------

def _bench_args(p: argparse.ArgumentParser) -> None:
    p.epilog = ("Every other option goes to benchmarks/run.py (e.g. --quick, --nets lenet5); "
                "`tinycnn bench --help-run` lists them.")


@command("bench", "run the benchmarks against PyTorch (python -m benchmarks.run)", _bench_args)
def _bench(args: argparse.Namespace) -> int:
    import subprocess  # noqa: PLC0415

    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / "benchmarks" / "run.py").is_file():
        raise CLIError("the benchmarks live in the source checkout (benchmarks/run.py), which "
                       "this installation does not have: clone the repository and run "
                       "`python -m benchmarks.run` there")
    options = ["--help" if o == "--help-run" else o for o in args.options]
    return subprocess.call([sys.executable, "-m", "benchmarks.run", *options], cwd=checkout)


# --- tinycnn export-torchvision (tinycnn/tools/export_torchvision.py) -----------------

def _export_torchvision_args(p: argparse.ArgumentParser) -> None:
    from .tools.export_torchvision import add_arguments  # noqa: PLC0415

    add_arguments(p)


@command("export-torchvision", "export torchvision (or .pt/.pth) weights to .npz; needs torch",
         _export_torchvision_args)
def _export_torchvision(args: argparse.Namespace) -> int:
    from .tools.export_torchvision import run  # noqa: PLC0415

    return run(args)


# --- entry point ----------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    from . import __version__  # noqa: PLC0415

    parser = _Parser(prog="tinycnn", description="tinycnn: train, evaluate and inspect "
                                                 "small CNNs on NumPy")
    parser.add_argument("--version", action="version", version=f"tinycnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.add_arguments(p)
        p.set_defaults(run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "bench":  # its options are benchmarks/run.py's
        args.options = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from .backend import DeviceError  # noqa: PLC0415

    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, FileNotFoundError, DeviceError,
            FloatingPointError) as e:
        if os.environ.get("TINYCNN_DEBUG"):
            raise
        message = str(e).splitlines()[0] if str(e) else type(e).__name__
        print(f"tinycnn {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
