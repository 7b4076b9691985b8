"""Report 000 (DeDiosNet on CIFAR-100), rerun with tinycnn.

Sections (sub-commands; no sub-command runs them all):

  dediosnet1  DeDiosNet 1 (3,133,464 parameters) on CIFAR-100, Adam lr 3e-4, 35 epochs
              (report: 50 % validation accuracy); convergence graph
  dediosnet2  DeDiosNet 2 on CIFAR-100, same training (report: 59 %); convergence graph
  transfer    convergence with vs without transferred weights (the report's last figure)

The report trains on the 50,000 CIFAR-100 training images and validates on the 10,000
test images. Only the test set is in ../shared/data, so unless --data-root holds the
training set (cifar-100/train.bin), a stratified 80 / 20 split of the test set stands in,
and every table says so. The report does not say which weights it transferred; here the
same network is first trained on CIFAR-10 (by tinycnn, exported to .npz and re-imported
with load_weights), its convolutional layers kept, and a new 100-way head trained.

    python examples/reports/report_000_dediosnet_cifar100.py --quick
    python examples/reports/report_000_dediosnet_cifar100.py dediosnet2 --epochs 35
"""

from __future__ import annotations

import sys

from harness import Experiment, Section, compare_curves, history_row, main, to_input

from tinycnn import models, optim, plot

REPORT = {"dediosnet1": 0.50, "dediosnet2": 0.59}


def train_net(exp: Experiment, model, label: str, report: float | None = None):
    """Adam lr 3e-4, cross-entropy on logits (Flux's logitcrossentropy), batch 128."""
    data = exp.cifar100()
    data.train.transform = data.val.transform = to_input(model.preprocessing)
    bs = exp.batch_size(128)
    run = exp.fit(model, optim.Adam(model.parameters(), lr=3e-4),
                  exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, 500),
                  exp.epochs(35), label=label)
    params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    exp.add_row({**history_row(run.history, model=label), "report": report,
                 "params": params, "data": data.source})
    return run


def single(name: str):
    def run(exp: Experiment) -> None:
        exp.note("Batch size not given in the report: 128 (assumed).")
        if name == "dediosnet2":
            exp.note("DeDiosNet 2 as listed cannot run (BatchNorm(16) after an 8-channel conv; "
                     "Dense(800) after a 512-feature map): tinycnn's nearest runnable version "
                     "has 68,004 parameters, not 96,820 (see tinycnn/models/reports.py).")
        model = exp.to_device(models.get_model(name))
        result = train_net(exp, model, name, REPORT[name])
        plot.learning_curves(result.history, exp.path(f"{name}_convergence.png"),
                             title=f"{name} on CIFAR-100 (Adam, lr 3e-4)")
    return run


def transfer(exp: Experiment) -> None:
    name = exp.args.net
    exp.note("The report shows this comparison as a figure only (faster convergence with "
             "transferred weights, possibly to a local optimum); there is no number to match.")
    histories = {}
    scratch = exp.to_device(models.get_model(name))
    histories["without transfer"] = train_net(exp, scratch, f"{name} from scratch").history
    transferred, weights = exp.pretrained(name, 100, source="cifar10", image_size=32)
    run = train_net(exp, transferred, f"{name} with transferred weights ({weights})")
    histories["with transferred weights"] = run.history
    compare_curves(histories, exp.path("transfer_convergence.png"),
                   metrics=("train_loss", "val_loss", "val_acc"),
                   title=f"{name} on CIFAR-100: with vs without transferred weights")


def transfer_arguments(p) -> None:
    p.add_argument("--net", choices=["dediosnet1", "dediosnet2"], default="dediosnet2",
                   help="network for the transfer comparison (default: dediosnet2)")


SECTIONS = {
    "dediosnet1": Section(single("dediosnet1"), "DeDiosNet 1 on CIFAR-100"),
    "dediosnet2": Section(single("dediosnet2"), "DeDiosNet 2 on CIFAR-100"),
    "transfer": Section(transfer, "convergence with vs without transferred weights",
                        transfer_arguments),
}

if __name__ == "__main__":
    sys.exit(main(__doc__, SECTIONS, report="000"))
