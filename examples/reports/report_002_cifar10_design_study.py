"""Report 002 (CIFAR-10 design study, AlexNet on ants/bees), rerun with tinycnn.

Sections (sub-commands; no sub-command runs them all):

  grid         accuracy and training time for every number of conv layers x FC layers
               (the report's Figures 1 and 2; a `tinycnn.sweep` grid: --jobs N runs N
               cells at once, --backend dask runs them on a Dask cluster)
  activations  ReLU vs sigmoid vs tanh (Figure 4)
  momentum     SGD with vs without momentum (report: 56.86 % vs 49.58 % after 5 epochs)
  adadelta     constant learning rate vs Adadelta (report: 51.24 % vs 54.27 %)
  batchnorm    with vs without BatchNorm, 2 and 7 epochs (report: 60.11 vs 37.87 after 2,
               63.87 vs 56.86 after 7)
  final        the final network: 7 convs + 3 FC, BatchNorm, ReLU, Adadelta, batch 100, at
               most 20 epochs, stop at loss 0.005 (report: 81.43 %)
  transfer     AlexNet on ants/bees: every layer trained vs frozen features + new head,
               10 epochs, with per-class accuracy (report: 90.2 % / 88.2 %)

The report's code is the PyTorch CIFAR-10 tutorial loop: batch 10 (5,000 steps per epoch),
SGD lr 0.001 momentum 0.9, cross-entropy, test accuracy after training. The nets come from
`tinycnn.models.grid_cnn` (conv i has 100*i kernels, as the report describes); the
comparisons use 5 convs and 3 FC layers, as in the report's ``train(5, 3, ...)`` call.

    python examples/reports/report_002_cifar10_design_study.py --quick
    python examples/reports/report_002_cifar10_design_study.py grid --epochs 2 --jobs 4
    python examples/reports/report_002_cifar10_design_study.py final
"""

from __future__ import annotations

import sys

from harness import (
    Experiment,
    Section,
    compare_curves,
    history_row,
    main,
    run_sweep,
    sweep_arguments,
    to_input,
)

from tinycnn import models, optim, plot
from tinycnn.data import transforms as T
from tinycnn.train import LossThreshold


def cifar_loaders(exp: Experiment, batch_size: int):
    data = exp.cifar10()
    data.train.transform = data.val.transform = to_input(models.CIFAR10)
    return data, exp.loader(data.train, batch_size, shuffle=True), exp.loader(data.val, 500)


def net(exp: Experiment, n_conv: int, n_fc: int, **kwargs):
    """`grid_cnn` at the report's width (100 kernels more per conv), narrow with --quick."""
    width = exp.args.width or exp.size(100, 4)
    if width != 100 and not exp.quick:
        exp.note(f"NARROWED NET: conv i has {width}*i kernels (--width {width}), not the "
                 "report's 100*i: a cheaper net than the report's.")
    return exp.to_device(models.grid_cnn(n_conv, n_fc, width=width,
                                         fc_width=exp.size(100, 8), **kwargs))


def train_and_test(exp: Experiment, label: str, model, optimizer, epochs: int,
                   batch_size: int = 10, callbacks=()):
    """The tutorial's loop: train, then the accuracy on the 10,000 test images."""
    data, train, test = cifar_loaders(exp, exp.batch_size(batch_size, quick=32))
    run = exp.fit(model, optimizer, train, test, epochs, callbacks=callbacks, label=label)
    params = sum(p.numel() for p in model.parameters())
    row = {"run": label, "test_acc": run.history.last["val_acc"], "params": params,
           **history_row(run.history, data=data.source)}
    return run, row


def sgd(model, momentum: float = 0.9):
    return optim.SGD(model.parameters(), lr=0.001, momentum=momentum)


# --------------------------------------------------------------------------- grid


def grid_cell(exp: Experiment, n_conv: int, n_fc: int) -> dict:
    """One cell of the grid (runs in a worker process): accuracy and training time."""
    model = net(exp, n_conv, n_fc)
    run, row = train_and_test(exp, f"{n_conv} conv x {n_fc} FC", model, sgd(model),
                              exp.epochs(2))
    return {"test_acc": row["test_acc"], "train_time_s": row["train_time_s"],
            "params": row["params"], "data": row["data"]}


def grid(exp: Experiment) -> None:
    from tinycnn.sweep import grid as combinations

    convs = exp.args.convs or exp.size([1, 2, 3, 4, 5], [1, 2])
    fcs = exp.args.fcs or exp.size([1, 2, 3], [1, 2])
    exp.note("The report does not give the grid's range or epochs ('number of epochs were "
             f"kept low'): conv {min(convs)}-{max(convs)} x FC {min(fcs)}-{max(fcs)} (default "
             f"1-5 x 1-3, --convs, --fcs), {exp.epochs(2)} epochs per cell (default: 2, "
             "--epochs).")
    rows = run_sweep(exp, grid_cell, combinations(n_conv=convs, n_fc=fcs))
    for row in rows:
        exp.add_row(row)
    acc = {(r["n_conv"], r["n_fc"]): r["test_acc"] for r in rows}
    secs = {(r["n_conv"], r["n_fc"]): r["train_time_s"] for r in rows}
    plot.metric_grid(acc, path=exp.path("grid_accuracy.png"), value_label="Test accuracy",
                     title="Convolution layers vs fully connected layers vs accuracy")
    plot.metric_grid(secs, path=exp.path("grid_time.png"), value_label="Training time (s)",
                     fmt=".0f", title="Convolution layers vs fully connected layers vs "
                                      "training time (seconds)")


# --------------------------------------------------------------------------- comparisons


def compare(exp: Experiment, runs: dict, name: str, title: str, reports: dict) -> None:
    """Train each ``label -> (model, optimizer, epochs, batch)``; a row and a curve each."""
    histories = {}
    for label, (model, optimizer, epochs, batch) in runs.items():
        run, row = train_and_test(exp, label, model, optimizer, epochs, batch)
        exp.add_row(row, report=reports.get(label))
        histories[label] = run.history
    compare_curves(histories, exp.path(f"{name}.png"), metrics=("val_acc", "train_loss"),
                   title=title)


def activations(exp: Experiment) -> None:
    epochs = exp.epochs(5)
    runs = {}
    for act in ("relu", "sigmoid", "tanh"):
        model = net(exp, 5, 3, activation=act)
        runs[act] = (model, sgd(model), epochs, 10)
    exp.note(f"Epochs not given for this figure ('same number of iterations'): {epochs} "
             "(default: 5, as the momentum and Adadelta runs).")
    compare(exp, runs, "activations", "ReLU vs sigmoid vs tanh", {})


def momentum(exp: Experiment) -> None:
    epochs = exp.epochs(5)
    runs = {}
    for label, m in (("without momentum", 0.0), ("with momentum 0.9", 0.9)):
        model = net(exp, 5, 3)
        runs[label] = (model, sgd(model, momentum=m), epochs, 10)
    compare(exp, runs, "momentum", "SGD with vs without momentum",
            {"without momentum": 0.4958, "with momentum 0.9": 0.5686})


def adadelta(exp: Experiment) -> None:
    epochs = exp.epochs(5)
    constant, adaptive = net(exp, 5, 3), net(exp, 5, 3)
    runs = {"constant lr (SGD 0.001, momentum 0.9)": (constant, sgd(constant), epochs, 10),
            "Adadelta": (adaptive, optim.Adadelta(adaptive.parameters()), epochs, 10)}
    compare(exp, runs, "adadelta", "Constant learning rate vs Adadelta",
            {"constant lr (SGD 0.001, momentum 0.9)": 0.5124, "Adadelta": 0.5427})


def batchnorm(exp: Experiment) -> None:
    reports = {("without", 2): 0.3787, ("with", 2): 0.6011, ("without", 7): 0.5686,
               ("with", 7): 0.6387}
    lengths = [exp.args.epochs] if exp.args.epochs else exp.size([2, 7], [1])
    for epochs in lengths:
        runs, rep = {}, {}
        for bn in (False, True):
            label = f"{'with' if bn else 'without'} BatchNorm, {epochs} epochs"
            model = net(exp, 5, 3, batch_norm=bn)
            runs[label] = (model, sgd(model), epochs, 10)
            rep[label] = reports.get(("with" if bn else "without", epochs))
        compare(exp, runs, f"batchnorm_{epochs}ep", f"With vs without BatchNorm ({epochs} "
                "epochs)", rep)


# --------------------------------------------------------------------------- final


def final(exp: Experiment) -> None:
    model = net(exp, 7, 3, batch_norm=True)
    stop = LossThreshold(0.005, per_batch=True)  # the report checks every batch's loss
    run, row = train_and_test(exp, "final (7 conv + 3 FC, BN, Adadelta)", model,
                              optim.Adadelta(model.parameters()), exp.epochs(20),
                              batch_size=100, callbacks=[stop])
    row["stopped_by_threshold_at_epoch"] = stop.stopped_epoch
    exp.add_row(row, report="81.43 % (threshold reached at epoch 15, 472 s on a GPU)")
    plot.learning_curves(run.history, exp.path("final_curves.png"),
                         title="Final network on CIFAR-10")


# --------------------------------------------------------------------------- transfer


def transfer(exp: Experiment) -> None:
    arch = exp.args.arch
    real = exp.weights_for(arch) is not None
    size = 224 if real else 64  # AlexNet needs at least 63 x 63
    if arch != "alexnet":
        exp.note(f"BACKBONE: {arch} instead of the report's AlexNet"
                 + (" (ImageNet EfficientNet-Lite0 weights)" if arch == "efficientnet_lite0"
                    and real else ""))
    data = exp.image_folder(round(size * 256 / 224), [("hymenoptera_data/train",
                                                       "hymenoptera_data/val", "ants/bees")],
                            report_data="Hymenoptera (ants/bees)")
    epochs, bs = exp.epochs(10), exp.batch_size(20, quick=8)
    exp.note(f"{arch} at {size}x{size}; SGD lr 0.001 momentum 0.9, batch {bs} (13 steps per "
             "epoch as in the report), random crop + flip for training. The report calls "
             "training every layer 'without fine tuning' and freezing the base 'with fine "
             "tuning'; both names are kept in the table.")
    for frozen, label, report in ((False, "every layer trains (report: 'without fine tuning')",
                                   (0.902, 0.900, 0.904)),
                                  (True, "frozen features, new head (report: 'fine tuning')",
                                   (0.882, 0.914, 0.855))):
        model, weights = exp.pretrained(arch, len(data.classes), source="cifar10",
                                        image_size=size)
        if frozen:
            models.freeze(model)
            models.replace_head(model, len(data.classes))
        prep = model.preprocessing
        data.train.transform = to_input(prep, T.RandomCrop(size), T.RandomHorizontalFlip())
        data.val.transform = to_input(prep, T.CenterCrop(size))
        opt = optim.SGD(models.trainable_parameters(model), lr=0.001, momentum=0.9)
        run = exp.fit(model, opt, exp.loader(data.train, bs, shuffle=True),
                      exp.loader(data.val, bs), epochs, label=label)
        result, confused = exp.evaluate(model, exp.loader(data.val, bs), data.classes,
                              "frozen" if frozen else "all_layers", label)
        per_class = {f"acc_{c}": float(a) for c, a in zip(data.classes, result.per_class_accuracy)}
        exp.add_row({"run": label, "accuracy": result.accuracy, **per_class,
                     "report (all, ants, bees)": " / ".join(f"{v:.3f}" for v in report),
                     "weights": weights,
                     **history_row(run.history, data=data.source)})
        plot.learning_curves(run.history, exp.path(f"{'frozen' if frozen else 'all'}_curves.png"),
                             title=label)


def grid_arguments(p) -> None:
    g = p.add_argument_group("grid options")
    g.add_argument("--convs", type=int, nargs="+", default=None,
                   help="numbers of conv layers in the grid (default: 1 2 3 4 5)")
    g.add_argument("--fcs", type=int, nargs="+", default=None,
                   help="numbers of FC layers in the grid (default: 1 2 3)")


def transfer_arguments(p) -> None:
    p.add_argument("--arch", choices=["alexnet", "efficientnet_lite0"], default="alexnet",
                   help="the pretrained network (default: alexnet, the report's; "
                        "efficientnet_lite0 with --weights efficientnet_lite0=imagenet: real "
                        "ImageNet weights)")


def width_arguments(p) -> None:
    p.add_argument("--width", type=int, default=None,
                   help="kernels added per conv layer (report: 100; 4 with --quick)")


SECTIONS = {
    "grid": Section(grid, "conv layers x FC layers: accuracy and time",
                    (sweep_arguments, grid_arguments, width_arguments)),
    "activations": Section(activations, "ReLU vs sigmoid vs tanh", width_arguments),
    "momentum": Section(momentum, "SGD with vs without momentum", width_arguments),
    "adadelta": Section(adadelta, "constant learning rate vs Adadelta", width_arguments),
    "batchnorm": Section(batchnorm, "with vs without BatchNorm", width_arguments),
    "final": Section(final, "the final network with the loss-threshold stop", width_arguments),
    "transfer": Section(transfer, "AlexNet on ants/bees: all layers vs frozen features",
                        transfer_arguments),
}

if __name__ == "__main__":
    sys.exit(main(__doc__, SECTIONS, report="002"))
