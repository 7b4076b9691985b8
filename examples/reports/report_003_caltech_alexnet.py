"""Report 003 (AlexNet on Caltech-101), rerun with tinycnn.

The report trains AlexNet on Caltech-101 (101 classes, BACKGROUND removed; the given train
split cut into train / validation, the best epoch on validation tested on the test split)
with SGD (momentum 0.9, weight decay), a StepLR schedule (gamma 0.1) and batch 256.

Sections (sub-commands; no sub-command runs them all):

  scratch     AlexNet from scratch: the learning rate x step size grid (report: best 0.550
              test accuracy at lr 0.05, step 25, 30 epochs)
  pretrained  pretrained AlexNet, fine-tuned: its own lr x step grid (report: 0.871 at lr
              0.01, step 10, 30 epochs)
  freeze      freeze the conv layers vs freeze the FC layers (report: 0.856 / 0.489)
  augment     horizontal flip / colour jitter / rotation 20 deg / all three (report: 0.861 /
              0.872 / 0.853 / 0.856)
  tencrop     TenCrop at test time (report: 0.872)
  resnet      ResNet-50 vs AlexNet, both pretrained (report: 0.947 vs 0.871)

Grid sections run their cells through `tinycnn.sweep` (--jobs N in parallel processes,
--backend dask on a cluster). Caltech-101 is used when --data-root has
``caltech101/train`` and ``caltech101/test`` (class folders, BACKGROUND_Google removed);
otherwise ants/bees stands in and every table says so. ImageNet weights are used with
``--weights alexnet=alexnet.npz --weights resnet50=resnet50.npz`` (from
``python -m tinycnn.tools.export_torchvision``); otherwise substitutes pretrained by
tinycnn on CIFAR-10 stand in, and every table says so. ``--arch efficientnet_lite0
--weights efficientnet_lite0=imagenet`` runs the pretrained / freeze / augment / tencrop
sections on real ImageNet weights of another network (every table names it).

    python examples/reports/report_003_caltech_alexnet.py --quick
    python examples/reports/report_003_caltech_alexnet.py scratch --jobs 2
    python examples/reports/report_003_caltech_alexnet.py pretrained --lrs 0.01 0.03 --steps 10 20 --full-grid
"""

from __future__ import annotations

import sys

from harness import (
    Experiment,
    Section,
    compare_curves,
    main,
    run_sweep,
    sweep_arguments,
    to_input,
)

from tinycnn import models, optim, plot
from tinycnn.data import transforms as T
from tinycnn.train import EarlyStopping, History, evaluate

CALTECH = [("caltech101/train", "caltech101/test", "Caltech-101")]

# (lr, step size, epochs) of the report's tables
SCRATCH = [(0.001, 20, 30), (0.01, 20, 30), (0.05, 25, 30), (0.03, 20, 30), (0.03, 24, 30)]
PRETRAINED = [(0.03, 24, 30), (0.03, 27, 30), (0.01, 10, 20), (0.01, 10, 30), (0.01, 15, 20)]
REPORTED = {  # (pretrained, lr, step, epochs) -> (validation, test) accuracy
    (False, 0.001, 20, 30): (0.161, 0.092), (False, 0.01, 20, 30): (0.432, 0.425),
    (False, 0.05, 25, 30): (0.537, 0.550), (False, 0.03, 20, 30): (0.528, 0.532),
    (False, 0.03, 24, 30): (0.551, 0.529), (True, 0.03, 24, 30): (0.849, 0.834),
    (True, 0.03, 27, 30): (0.851, 0.841), (True, 0.01, 10, 20): (0.878, 0.864),
    (True, 0.01, 10, 30): (0.879, 0.871), (True, 0.01, 15, 20): (0.877, 0.866),
}


def image_size(exp: Experiment, arch: str) -> int:
    """224 with ImageNet weights (--weights), else 64 (AlexNet needs >= 63); ResNets at 32
    with --quick."""
    if exp.weights_for(arch) is not None:
        return 224
    return 32 if exp.quick and arch.startswith("resnet") else 64


def task(exp: Experiment, size: int):
    """Caltech-101 (or the ants/bees substitute): train / validation (1/3 of the train
    folder, stratified) / test, as uint8 arrays of the crop size's resize."""
    return exp.image_folder(round(size * 256 / 224), CALTECH, report_data="Caltech-101",
                            test_fraction=1 / 3)


def batch_size(exp: Experiment, data, report: int) -> int:
    if data.source.startswith("Caltech"):
        return exp.batch_size(report)
    # ~160 training images: batch 256 would be one step per epoch
    return exp.batch_size(min(report, 32), quick=8)


def augmentation(name: str, size: int) -> list:
    """The report's augmentations, each applied to an image with probability 50 % ("at each
    epoch there is a certain probability (I set 50%) each entry can be modified")."""
    flip = T.RandomHorizontalFlip(0.5)
    jitter = T.RandomApply([T.ColorJitter(0.4, 0.4, 0.4)], p=0.5)
    rotate = T.RandomApply([T.RandomRotation(20)], p=0.5)
    steps = {"none": [], "flip": [flip], "jitter": [jitter], "rotation": [rotate],
             "all": [flip, jitter, rotate]}[name]
    return [*steps, T.CenterCrop(size)]


def train_cell(exp: Experiment, lr: float, step_size: int, epochs: int, pretrained: bool = True,
               arch: str = "alexnet", freeze: str = "none", augment: str = "none",
               batch: int = 256, tencrop: bool = False) -> dict:
    """One training of the report: SGD(lr, momentum 0.9, weight decay 5e-5), StepLR(step,
    0.1), the epoch with the best validation accuracy restored, then tested."""
    size = image_size(exp, arch)
    data = task(exp, size)
    ncls = len(data.classes)
    if pretrained:
        model, weights = exp.pretrained(arch, ncls, source="cifar10", image_size=size)
    else:
        model, weights = exp.to_device(models.get_model(arch, num_classes=ncls)), "none"
    if freeze == "conv" and arch.startswith("efficientnet"):  # no FC layers but the head
        models.freeze(model)
        models.unfreeze(dict(model.named_modules())[models.head_name(model)])
    elif freeze == "conv":
        models.freeze(model.features)
    elif freeze == "fc":  # every classifier layer but the new head
        models.freeze(model.classifier)
        models.unfreeze(dict(model.named_modules())[models.head_name(model)])
    prep = model.preprocessing
    data.train.transform = to_input(prep, *augmentation(augment, size))
    data.val.transform = data.test.transform = to_input(prep, T.CenterCrop(size))
    bs = batch_size(exp, data, batch)
    val_rep, test_rep = REPORTED.get((pretrained, lr, step_size, epochs), (None, None))
    epochs = exp.epochs(epochs)
    opt = optim.SGD(models.trainable_parameters(model), lr=lr, momentum=0.9, weight_decay=5e-5)
    sched = optim.lr_scheduler.StepLR(opt, step_size=step_size, gamma=0.1)
    best = EarlyStopping(monitor="val_acc", patience=epochs, restore_best_weights=True)
    tag = f"{'pre' if pretrained else 'scratch'}_{arch}_lr{lr}_step{step_size}_{epochs}ep" \
          f"_{freeze}_{augment}"
    run = exp.fit(model, opt, exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, bs),
                  epochs, scheduler=sched, callbacks=[best], label=tag)
    plot.learning_curves(run.history, exp.path(f"{tag}_curves.png"), title=tag)
    run.history.to_csv(exp.path(f"{tag}_history.csv"))
    test = evaluate(model, exp.loader(data.test, bs))
    row = {"epochs_run": len(run.history), "val_acc_best": best.best,
           "test_acc": test.accuracy, "best_epoch": best.best_epoch,
           "report_val": val_rep, "report_test": test_rep, "weights": weights,
           "data": data.source, "train_time_s": round(run.seconds, 1), "files": tag}
    if tencrop:
        data.test.transform = to_input(prep, T.TenCrop(size))  # batches (N, 10, C, H, W)
        row["test_acc_tencrop"] = evaluate(model, exp.loader(data.test, bs)).accuracy
    return row


def configs(exp: Experiment, report: list[tuple[float, int, int]]) -> list[dict]:
    """The report's (lr, step, epochs) rows, or --lrs x --steps with --full-grid."""
    if exp.args.full_grid:
        from tinycnn.sweep import grid

        return grid(lr=exp.args.lrs or sorted({c[0] for c in report}),
                    step_size=exp.args.steps or sorted({c[1] for c in report}),
                    epochs=[max(c[2] for c in report)])
    rows = [c for c in report if (not exp.args.lrs or c[0] in exp.args.lrs)
            and (not exp.args.steps or c[1] in exp.args.steps)]
    rows = rows[:2 if report is PRETRAINED else 1] if exp.quick else rows
    return [{"lr": lr, "step_size": step, "epochs": ep} for lr, step, ep in rows]


def lr_step_grid(exp: Experiment, pretrained: bool, report) -> None:
    cells = configs(exp, report)
    arch = backbone(exp) if pretrained else "alexnet"
    if pretrained:
        prepare_sources(exp, (arch,))
        cells = [{**c, "arch": arch} for c in cells]
    rows = run_sweep(exp, pretrained_cell if pretrained else scratch_cell, cells)
    for row in rows:
        exp.add_row(row)
    plot.metric_grid({(r["lr"], r["step_size"]): r["test_acc"] for r in rows},
                     path=exp.path("lr_step_test_acc.png"), row_label="Learning rate",
                     col_label="Step size", value_label="Test accuracy",
                     title=f"{arch} {'pretrained' if pretrained else 'from scratch'}: "
                           "test accuracy by learning rate and step size")


def scratch_cell(exp: Experiment, lr: float, step_size: int, epochs: int) -> dict:
    return train_cell(exp, lr, step_size, epochs, pretrained=False)


def pretrained_cell(exp: Experiment, lr: float, step_size: int, epochs: int,
                    arch: str = "alexnet") -> dict:
    return train_cell(exp, lr, step_size, epochs, pretrained=True, arch=arch)


def scratch(exp: Experiment) -> None:
    lr_step_grid(exp, pretrained=False, report=SCRATCH)


def pretrained(exp: Experiment) -> None:
    lr_step_grid(exp, pretrained=True, report=PRETRAINED)


def backbone(exp: Experiment) -> str:
    """--arch (alexnet, the report's, by default), with a note when it is another net."""
    arch = getattr(exp.args, "arch", "alexnet")
    if arch != "alexnet":
        real = " with ImageNet weights" if exp.weights_for(arch) is not None else ""
        exp.note(f"BACKBONE: {arch}{real} instead of the report's AlexNet")
    return arch


def prepare_sources(exp: Experiment, archs=("alexnet",)) -> None:
    """Train (or find) the substitute source weights once, before the sweep's workers
    need them (with --weights this only checks that the files fit)."""
    for arch in archs:
        if exp.weights_for(arch) is None:
            exp.train_source(arch, "cifar10", image_size(exp, arch))


def variants(exp: Experiment, cells: list[dict], reports: dict[str, tuple]) -> list[dict]:
    """Run ``cells`` (each a `train_cell` config with a "variant" name) through the sweep."""
    rows = run_sweep(exp, variant_cell, cells)
    for row in rows:
        row["report_val"], row["report_test"] = reports[row["variant"]]
        exp.add_row(row)
    return rows


def variant_cell(exp: Experiment, variant: str, **config) -> dict:
    return train_cell(exp, **config)


def freeze(exp: Experiment) -> None:
    arch = backbone(exp)
    prepare_sources(exp, (arch,))
    base = {"lr": 0.01, "step_size": 10, "epochs": 30, "arch": arch}
    cells = [{"variant": "freeze conv", "freeze": "conv", **base},
             {"variant": "freeze FC", "freeze": "fc", **base}]
    if arch.startswith("efficientnet"):
        exp.note(f"{arch} has no FC layers but its head: only 'freeze conv' (everything but "
                 "the new head) runs")
        cells = cells[:1]
    variants(exp, cells, {"freeze conv": (0.860, 0.856), "freeze FC": (0.491, 0.489)})


def augment(exp: Experiment) -> None:
    arch = backbone(exp)
    prepare_sources(exp, (arch,))
    base = {"lr": 0.01, "step_size": 10, "epochs": 30, "arch": arch}
    exp.note("ColorJitter(brightness=0.4, contrast=0.4, saturation=0.4) and rotation of up to "
             "20 degrees; the report gives no jitter strengths.")
    cells = [{"variant": "horizontal flip", "augment": "flip", **base},
             {"variant": "color jitter", "augment": "jitter", **base},
             {"variant": "rotation 20", "augment": "rotation", **base},
             {"variant": "flip + jitter + rotation", "augment": "all",
              **{**base, "step_size": 15}}]
    variants(exp, exp.size(cells, cells[3:]),
             {"horizontal flip": (0.873, 0.861), "color jitter": (0.872, 0.872),
              "rotation 20": (0.861, 0.853), "flip + jitter + rotation": (0.857, 0.856)})


def tencrop(exp: Experiment) -> None:
    arch = backbone(exp)
    prepare_sources(exp, (arch,))
    variants(exp, [{"variant": "TenCrop", "lr": 0.01, "step_size": 10, "epochs": 30,
                    "batch": 32, "tencrop": True, "arch": arch}], {"TenCrop": (0.868, 0.872)})


def resnet(exp: Experiment) -> None:
    arch = exp.args.resnet or exp.size("resnet50", "resnet18")
    prepare_sources(exp, (arch, "alexnet"))
    common = {"lr": 0.01, "step_size": 10, "epochs": 20, "batch": 32}
    rows = variants(exp, [{"variant": arch, "arch": arch, **common},
                          {"variant": "alexnet", "arch": "alexnet", **common}],
                    {arch: (0.954, 0.947) if arch == "resnet50" else (None, None),
                     "alexnet": (0.878, 0.864)})
    histories = {r["variant"]: History.from_csv(exp.path(f"{r['files']}_history.csv"))
                 for r in rows}
    compare_curves(histories, exp.path("resnet_vs_alexnet.png"), title=f"{arch} vs AlexNet")


def grid_arguments(p) -> None:
    g = p.add_argument_group("lr x step options")
    g.add_argument("--lrs", type=float, nargs="+", default=None,
                   help="learning rates (default: the report's rows)")
    g.add_argument("--steps", type=int, nargs="+", default=None,
                   help="StepLR step sizes (default: the report's rows)")
    g.add_argument("--full-grid", action="store_true",
                   help="every --lrs x --steps pair instead of the report's rows")


def arch_arguments(p) -> None:
    p.add_argument("--arch", choices=["alexnet", "efficientnet_lite0"], default="alexnet",
                   help="the pretrained network (default: alexnet, the report's; "
                        "efficientnet_lite0 with --weights efficientnet_lite0=imagenet: real "
                        "ImageNet weights)")


def resnet_arguments(p) -> None:
    p.add_argument("--resnet", default=None,
                   help="ResNet to compare (default resnet50; resnet18 with --quick)")


SECTIONS = {
    "scratch": Section(scratch, "AlexNet from scratch: lr x step grid",
                       (sweep_arguments, grid_arguments)),
    "pretrained": Section(pretrained, "pretrained AlexNet fine-tuned: lr x step grid",
                          (sweep_arguments, grid_arguments, arch_arguments)),
    "freeze": Section(freeze, "freeze conv layers vs freeze FC layers",
                      (sweep_arguments, arch_arguments)),
    "augment": Section(augment, "flip / colour jitter / rotation / all",
                       (sweep_arguments, arch_arguments)),
    "tencrop": Section(tencrop, "TenCrop at test time", (sweep_arguments, arch_arguments)),
    "resnet": Section(resnet, "ResNet-50 vs AlexNet", (sweep_arguments, resnet_arguments)),
}

if __name__ == "__main__":
    sys.exit(main(__doc__, SECTIONS, report="003"))
