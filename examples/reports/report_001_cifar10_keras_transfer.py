"""Report 001 (Keras CIFAR-10 study: small CNNs, VGG-16 transfer), rerun with tinycnn.

Sections (sub-commands; no sub-command runs them all):

  cnn49k    the 49,268-parameter CNN, Adam lr 1e-4 with Keras decay 1e-6, 250 epochs
            (report: 77.65 % validation accuracy)
  densenet  the 45,634-parameter DenseNet-style net, SGD and data augmentation, 250 epochs
            (report: 86.25 %)
  frozen    VGG-16 pretrained on CIFAR-100, all frozen but a new 10-way head (5,130
            trainable parameters), trained on 100 / 1,000 / 10,000 CIFAR-10 images (report
            test accuracy: 0.45 / 0.553 / 0.582)
  knn       k-nearest neighbours (k = 1..40) on the same VGG-16's 512 penultimate features
            (report: best 0.27 at k=12 / 0.524 at k=17 / 0.599 at k=17)
  finetune  every layer trained, weight decay 0.01, 10,000 images, 300 epochs (report: 0.852)
  convfc    the VGG-16 conv base as it is (up to the flattening) + a second, new FC net on
            100 / 1,000 / 10,000 images (report: no better than 0.4-0.5 test accuracy on
            10,000 images; the 100 and 1,000 training sets over-fitted)

The recitation's CIFAR-100 VGG-16 weights are not here: pass them as --weights
vgg16_cifar=FILE.npz (exported to tinycnn's names), or the sections pretrain a clearly
labelled substitute on the CIFAR-100 images that exist (the test set, split in two).

    python examples/reports/report_001_cifar10_keras_transfer.py --quick
    python examples/reports/report_001_cifar10_keras_transfer.py knn --source-epochs 30
"""

from __future__ import annotations

import sys

from harness import Experiment, Section, history_row, main, take, to_input

from tinycnn import models, nn, optim, plot
from tinycnn.data import TensorDataset, stratified_subset
from tinycnn.data import transforms as T
from tinycnn.sklearn import knn_accuracy_curve
from tinycnn.train import LRSchedulerCallback, extract_features

SIZES = (100, 1000, 10000)


def trainable(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --------------------------------------------------------------------------- part 1


def cnn49k(exp: Experiment) -> None:
    data = exp.cifar10()
    data.train.transform = data.val.transform = to_input(models.CIFAR10)
    model = exp.to_device(models.cifar_cnn_49k())
    exp.note("The report's table hides activations and dropout rates: ReLU and 0.25 / 0.25 / "
             "0.5 assumed (see tinycnn.models.cifar_cnn_49k); batch 32 (Keras' default).")
    opt = optim.Adam(model.parameters(), lr=1e-4)
    # Keras' decay=1e-6: lr / (1 + 1e-6 * iterations), updated after every batch
    decay = optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 / (1.0 + 1e-6 * step))
    bs = exp.batch_size(32)  # Keras' default
    run = exp.fit(model, opt, exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, 500),
                  exp.epochs(250), callbacks=[LRSchedulerCallback(decay, interval="step")],
                  label="49k CNN")
    plot.learning_curves(run.history, exp.path("cnn49k_curves.png"), title="49,268-parameter CNN")
    exp.add_row({"model": "CNN (49,268 params)", "val_acc": run.history.last["val_acc"],
                 "report": 0.7765, "params": trainable(model),
                 **history_row(run.history, data=data.source)})


def densenet(exp: Experiment) -> None:
    data = exp.cifar10()
    # Keras' ImageDataGenerator with shifts and flips, as random crops of a padded image
    data.train.transform = to_input(models.CIFAR10, T.RandomCrop(32, padding=4),
                                    T.RandomHorizontalFlip())
    data.val.transform = to_input(models.CIFAR10)
    model = exp.to_device(models.densenet_tiny())
    exp.note("'SGD' with Keras' defaults (lr 0.01, no momentum), batch 64 (782 steps per "
             "epoch, as in the report's log); augmentation: random crop with 4-pixel padding "
             "and horizontal flip (the report's datagen settings are not given).")
    bs = exp.batch_size(64)
    run = exp.fit(model, optim.SGD(model.parameters(), lr=0.01),
                  exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, 500),
                  exp.epochs(250), label="DenseNet")
    plot.learning_curves(run.history, exp.path("densenet_curves.png"),
                         title="45,634-parameter DenseNet")
    exp.add_row({"model": "DenseNet (45,634 Keras params)", "val_acc": run.history.last["val_acc"],
                 "report": 0.8625, "params": trainable(model),
                 **history_row(run.history, data=data.source)})


# --------------------------------------------------------------------------- part 2


def vgg(exp: Experiment):
    """VGG-16 with the CIFAR-100 weights (or the substitute) and a fresh 10-way head."""
    return exp.pretrained("vgg16_cifar", 10, source="cifar100", image_size=32)


def subsets(exp: Experiment, data):
    """The 100 / 1,000 / 10,000-image training subsets (class-balanced)."""
    sizes = exp.size(SIZES, (20, 40))
    return {n: take(data.train, stratified_subset(data.train.targets, n, seed=exp.seed))
            for n in sizes}


def frozen(exp: Experiment) -> None:
    data = exp.cifar10()
    report = {100: (1.7424, 0.6389, 2.2422, 0.45), 1000: (1.8095, 0.5399, 1.7672, 0.553),
              10000: (1.8868, 0.5252, 1.7202, 0.582)}
    epochs = exp.epochs(30)
    exp.note(f"Epochs and optimizer not given: Adam lr 1e-3, batch 32 (assumed); {epochs} "
             "epochs (default: 30).")
    histories = {}
    for n, train in subsets(exp, data).items():
        model, weights = vgg(exp)
        models.freeze(model)
        head = models.replace_head(model, 10)
        train.transform = data.val.transform = to_input(model.preprocessing)
        run = exp.fit(model, optim.Adam(head.parameters(), lr=1e-3),
                      exp.loader(train, exp.batch_size(32), shuffle=True),
                      exp.loader(data.val, 500), epochs, label=f"frozen, {n} images")
        histories[f"{n} images"] = run.history
        plot.learning_curves(run.history, exp.path(f"frozen_{n}_curves.png"),
                             title=f"Frozen VGG-16 + new head, {n} training images")
        last = run.history.last
        exp.add_row({"train_size": n, "train_loss": last["train_loss"],
                     "train_acc": last["train_acc"], "test_loss": last["val_loss"],
                     "test_acc": last["val_acc"],
                     "report (train loss, train acc, test loss, test acc)":
                         " / ".join(str(v) for v in report.get(n, ())),
                     "trainable_params": trainable(model), "weights": weights,
                     "epochs": last["epoch"], "train_time_s": round(run.seconds, 1),
                     "data": data.source})


def knn(exp: Experiment) -> None:
    data = exp.cifar10()
    model, weights = vgg(exp)
    prep = to_input(model.preprocessing)
    data.val.transform = prep
    layer = "classifier.4"  # the 512 features entering the head
    report = {100: (12, 0.27), 1000: (17, 0.524), 10000: (17, 0.599)}
    for n, train in subsets(exp, data).items():
        train.transform = prep
        n_test = min(n, 1000)
        test = take(data.val, stratified_subset(data.val.targets, min(n_test, len(data.val)),
                                                seed=exp.seed))
        test.transform = prep
        ftr, ytr = extract_features(model, exp.loader(train, 256), layer=layer)
        fte, yte = extract_features(model, exp.loader(test, 256), layer=layer)
        curve = knn_accuracy_curve(ftr, ytr, fte, yte, ks=range(1, min(40, len(ftr)) + 1))
        plot.knn_curve(curve.ks, curve.accuracies, exp.path(f"knn_{n}.png"),
                       title=f"KNN on VGG-16 features: {n} train / {len(test)} test images")
        rep_k, rep_acc = report.get(n, (None, None))
        exp.add_row({"train_size": n, "test_size": len(test), "best_k": curve.best_k,
                     "best_acc": curve.best_accuracy, "report_best_k": rep_k,
                     "report_best_acc": rep_acc, "features": f"{layer} ({ftr.shape[1]}-d)",
                     "weights": weights, "data": data.source})


def finetune(exp: Experiment) -> None:
    data = exp.cifar10()
    n = exp.size(10000, 40)
    model, weights = vgg(exp)  # every layer trains
    train = take(data.train, stratified_subset(data.train.targets, n, seed=exp.seed))
    train.transform = data.val.transform = to_input(model.preprocessing)
    exp.note("Optimizer not given: SGD lr 1e-3, momentum 0.9, weight decay 0.01, batch 32.")
    opt = optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=0.01)
    run = exp.fit(model, opt, exp.loader(train, exp.batch_size(32), shuffle=True),
                  exp.loader(data.val, 500), exp.epochs(300), label="fine-tune")
    plot.learning_curves(run.history, exp.path("finetune_curves.png"),
                         title=f"VGG-16 fine-tuned on {n} images, weight decay 0.01")
    exp.add_row({"train_size": n, "test_acc": run.history.last["val_acc"], "report": 0.852,
                 "trainable_params": trainable(model), "weights": weights,
                 **history_row(run.history, data=data.source)})


def convfc(exp: Experiment) -> None:
    data = exp.cifar10()
    model, weights = vgg(exp)
    prep = to_input(model.preprocessing)
    data.val.transform = prep
    epochs = exp.epochs(50)
    exp.note("The second FC net is not given: Flatten, Dense 256 + ReLU, Dropout 0.5, "
             f"Dense 10 (Keras' bottleneck-features recipe), Adam lr 1e-3, batch 32, {epochs} "
             "epochs (default: 50). The conv base is frozen, so its outputs (512 per image) "
             "are computed once.")
    # The conv base ends in a max-pool to 512 x 1 x 1: its flattened output is the FC input.
    test = TensorDataset(*extract_features(model, exp.loader(data.val, 256), layer="features"))
    histories = {}
    for n, train in subsets(exp, data).items():
        train.transform = prep
        train = TensorDataset(*extract_features(model, exp.loader(train, 256), layer="features"))
        head = nn.Sequential(nn.Linear(train.tensors[0].shape[1], 256), nn.ReLU(),
                             nn.Dropout(0.5), nn.Linear(256, 10))
        head = exp.to_device(head)
        run = exp.fit(head, optim.Adam(head.parameters(), lr=1e-3),
                      exp.loader(train, exp.batch_size(32), shuffle=True),
                      exp.loader(test, 1000), epochs, label=f"conv base + FC net, {n} images")
        histories[f"{n} images"] = run.history
        plot.learning_curves(run.history, exp.path(f"convfc_{n}_curves.png"),
                             title=f"VGG-16 conv base + a second FC net, {n} training images")
        exp.add_row({**history_row(run.history, train_size=n),
                     "report": "0.4-0.5 test (10,000 images); 100 and 1,000 over-fit",
                     "trainable_params": trainable(head), "weights": weights,
                     "data": data.source})


SECTIONS = {
    "cnn49k": Section(cnn49k, "the 49,268-parameter CNN, Adam"),
    "densenet": Section(densenet, "the DenseNet-style net, SGD + augmentation"),
    "frozen": Section(frozen, "frozen VGG-16 + new head on 100 / 1,000 / 10,000 images"),
    "knn": Section(knn, "KNN (k = 1..40) on VGG-16 penultimate features"),
    "finetune": Section(finetune, "fine-tune every layer, weight decay 0.01"),
    "convfc": Section(convfc, "the VGG-16 conv base + a second FC net"),
}

if __name__ == "__main__":
    sys.exit(main(__doc__, SECTIONS, report="001"))
