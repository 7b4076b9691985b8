"""Report 004 (SimpleCNN on MNIST, reduced AlexNet, transfer), rerun with tinycnn.

Sections (sub-commands; no sub-command runs them all):

  simplecnn  SimpleCNN (813,802 parameters) on MNIST: 10 epochs, then 10 more (report:
             best validation accuracy 99.01 % at epoch 10); learning curves of both
             stages; confusion matrix and the two most confused pairs (report: 6-0, 5-3);
             t-SNE of the intermediate layer (after the first linear layer) vs the output.
  alexnet    Reduced AlexNet (6,199,498 parameters) on CIFAR-10, 15 epochs (report: 0.72 at
             epoch 14); curves; confusion matrix and most confused pairs; t-SNE of the output.
  transfer   Alien vs Predator with a ResNet: trained from zero / pretrained features + SVM /
             fine-tuned head / fine-tuned head + augmentation (report: .72 / .905 / .935 /
             .95), and a linear classifier on each t-SNE map (report: .70 / .79 / .84 / .93).

The report does not give its optimizers or batch sizes; the choices made here (Adam, lr
1e-3; batch 128 for MNIST; bentrevett's AlexNet-tutorial recipe for CIFAR-10; the PyTorch
transfer-learning tutorial's recipe for the transfer part) are written in the results.

    python examples/reports/report_004_mnist_alexnet_transfer.py --quick          # seconds
    python examples/reports/report_004_mnist_alexnet_transfer.py simplecnn        # the real thing
    python examples/reports/report_004_mnist_alexnet_transfer.py transfer \\
        --data-root DATA --weights resnet18=resnet18.npz   # real Alien vs Predator + ImageNet
"""

from __future__ import annotations

import sys

import numpy as np
from harness import Experiment, Section, history_row, main, subplots, to_input

from tinycnn import models, optim, plot
from tinycnn.data import Subset
from tinycnn.data import transforms as T
from tinycnn.sklearn import svm_on_features, tsne_embedding
from tinycnn.train import History, extract_features


def param_count(model) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def tsne_subset(dataset, n: int):
    """The first ``n`` validation images (t-SNE of all 10,000 would take minutes)."""
    return Subset(dataset, np.arange(min(n, len(dataset))))


# --------------------------------------------------------------------------- SimpleCNN


def simple_cnn(exp: Experiment) -> None:
    data = exp.mnist()
    data.train.transform = data.val.transform = to_input(models.MNIST)
    bs = exp.batch_size(128)
    train, val = exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, 256)
    model = exp.to_device(models.simple_cnn_mnist())
    n_params = param_count(model)
    height, width = data.train.data.shape[1:3]
    exp.note(f"Images {height} x {width} x 1: {data.sizes} (report: 60,000 train / 10,000 "
             f"validation). SimpleCNN: {n_params:,} trainable parameters (report: 813,802).")
    exp.note("Optimizer not given in the report: Adam, lr 1e-3, batch 128 (assumed).")
    opt = optim.Adam(model.parameters(), lr=1e-3)
    epochs = exp.epochs(10)
    first = exp.fit(model, opt, train, val, epochs, label="SimpleCNN")
    plot.learning_curves(first.history, exp.path("simplecnn_curves_first.png"),
                         title=f"SimpleCNN on MNIST: epochs 1-{epochs}")
    exp.add_row(history_row(first.history, stage=f"epochs 1-{epochs}", data=data.source,
                            params=n_params), report="best 99.01 at epoch 10")
    # "it would be beneficial to resume the training for a few more epochs": 10 more
    more = exp.fit(model, opt, train, val, epochs, trainer=first.trainer, label="SimpleCNN")
    second = History(more.history.records[epochs:])
    plot.learning_curves(second, exp.path("simplecnn_curves_more.png"),
                         title=f"SimpleCNN on MNIST: epochs {epochs + 1}-{2 * epochs}")
    exp.add_row(history_row(second, stage=f"epochs {epochs + 1}-{2 * epochs}",
                            data=data.source, params=n_params),
                report="no relevant gain; train loss rises")

    _, confused = exp.evaluate(model, val, data.classes, "simplecnn", "SimpleCNN on MNIST")
    pairs = ", ".join(f"{a}-{b} ({n})" for a, b, n in confused)
    exp.note(f"Most confused pairs (validation): {pairs}. Report: 6-0 and 5-3.")

    # t-SNE: intermediate features (after the first linear layer + ReLU) vs the output
    sub = exp.loader(tsne_subset(data.val, exp.size(2000, 100)), 256)
    inter, labels = extract_features(model, sub, layer="classifier.1")
    final, _ = extract_features(model, sub, layer=None)
    fig, axes = subplots(1, 2, figsize=(13, 6))
    for ax, feats, name in ((axes[0], inter, "intermediate (classifier.1, 128-d)"),
                            (axes[1], final, "output layer (10-d)")):
        plot.tsne(feats, labels, class_names=data.classes, ax=ax, title=f"t-SNE: {name}",
                  random_state=exp.seed)
    fig.savefig(exp.path("simplecnn_tsne.png"))


# --------------------------------------------------------------------------- AlexNet


def alexnet(exp: Experiment) -> None:
    data = exp.cifar10()
    prep = models.CIFAR10
    data.train.transform = to_input(prep, T.RandomRotation(5), T.RandomHorizontalFlip(0.5),
                                    T.RandomCrop(32, padding=2))
    data.val.transform = to_input(prep)
    bs = exp.batch_size(256)
    train, val = exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, 256)
    model = exp.to_device(models.alexnet_reduced(num_classes=10))
    n_params = param_count(model)
    exp.note("Recipe not given in the report: Adam lr 1e-3, batch 256, random rotation 5 deg, "
             "flip, crop with padding 2 (bentrevett's AlexNet tutorial, which the report's "
             "code follows).")
    run = exp.fit(model, optim.Adam(model.parameters(), lr=1e-3), train, val,
                  exp.epochs(15), label="AlexNet")
    plot.learning_curves(run.history, exp.path("alexnet_curves.png"),
                         title="Reduced AlexNet on CIFAR-10")
    exp.add_row(history_row(run.history, model="reduced AlexNet", data=data.source,
                            params=n_params), report="best 0.72 at epoch 14; 6,199,498 params")
    _, confused = exp.evaluate(model, val, data.classes, "alexnet", "Reduced AlexNet on CIFAR-10")
    pairs = ", ".join(f"{a}-{b} ({n})" for a, b, n in confused)
    exp.note(f"Most confused pairs: {pairs}. Report: automobile-truck, cat-dog, bird-deer, "
             "horse-deer.")
    sub = exp.loader(tsne_subset(data.val, exp.size(2000, 100)), 256)
    logits, labels = extract_features(model, sub, layer=None)
    plot.tsne(logits, labels, class_names=data.classes, path=exp.path("alexnet_tsne.png"),
              title="Reduced AlexNet: t-SNE of the output layer", random_state=exp.seed)


# --------------------------------------------------------------------------- transfer


def linear_on_map(points: np.ndarray, labels: np.ndarray):
    """A logistic regression on the 2-D t-SNE points (the report's Table 2: how linearly
    separable each map is). Fitted and scored on the same points, as the figure shows."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression().fit(points, labels)
    return clf, float(clf.score(points, labels))


def transfer(exp: Experiment) -> None:
    arch = exp.args.arch
    real = exp.weights_for(arch) is not None
    size = 224 if real else exp.size(exp.args.image_size, 32)
    base = round(size * 256 / 224)  # resize the shorter side to this, then crop `size`
    data = exp.image_folder(base, [("alien-vs-predator/train", "alien-vs-predator/validation",
                                    "Alien vs Predator"),
                                   ("alien_vs_predator_thumbnails/data/train",
                                    "alien_vs_predator_thumbnails/data/validation",
                                    "Alien vs Predator")],
                            report_data="Alien vs Predator")
    ncls = len(data.classes)
    bs = exp.batch_size(16, quick=8)
    epochs = exp.epochs(10)
    if arch.startswith("efficientnet") and real:
        exp.note("BACKBONE: ImageNet EfficientNet-Lite0 instead of the report's ResNet")
    exp.note(f"Network: {arch} (the report says ResNet); images {size}x{size} (shorter side "
             f"{base}, centre crop; random-resized crop + flip for the augmented run); SGD lr "
             f"1e-3 momentum 0.9, {epochs} epochs, batch {bs} (PyTorch's transfer-learning "
             "tutorial recipe; the report gives none).")

    def loaders(prep, augment: bool):
        train_tf = (to_input(prep, T.RandomResizedCrop(size, scale=(0.5, 1.0)),
                             T.RandomHorizontalFlip()) if augment
                    else to_input(prep, T.CenterCrop(size)))
        data.train.transform = train_tf
        data.val.transform = to_input(prep, T.CenterCrop(size))
        return exp.loader(data.train, bs, shuffle=True), exp.loader(data.val, bs)

    def plain_loaders(prep):  # no augmentation, fixed order: for features
        data.train.transform = data.val.transform = to_input(prep, T.CenterCrop(size))
        return exp.loader(data.train, bs), exp.loader(data.val, bs)

    feature_layer = "_avg_pooling" if arch.startswith("efficientnet") else "avgpool"
    maps: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    # (a) trained from zero
    scratch = exp.to_device(models.get_model(arch, num_classes=ncls))
    scratch.preprocessing = models.IMAGENET if real else models.CIFAR10
    train, val = loaders(scratch.preprocessing, augment=False)
    opt = optim.SGD(scratch.parameters(), lr=1e-3, momentum=0.9)
    run = exp.fit(scratch, opt, train, val, epochs, label="from zero")
    exp.add_row({"alternative": "trained from zero", "accuracy": run.history.last["val_acc"],
                 "report": 0.72, "weights": "none (random init)",
                 **history_row(run.history, data=data.source)})
    maps["trained from zero"] = extract_features(scratch, plain_loaders(scratch.preprocessing)[1],
                                                 layer=feature_layer)

    # (b) pretrained features + SVM (nothing is trained but the SVM)
    pretrained, weights = exp.pretrained(arch, ncls, source="cifar10", image_size=size)
    tr_loader, va_loader = plain_loaders(pretrained.preprocessing)
    ftr, ytr = extract_features(pretrained, tr_loader, layer=feature_layer)
    fva, yva = extract_features(pretrained, va_loader, layer=feature_layer)
    svm = svm_on_features(ftr, ytr, fva, yva, kernel="linear")
    exp.add_row({"alternative": "pretrained + SVM", "accuracy": svm.accuracy, "report": 0.905,
                 "weights": weights, "data": data.source})
    maps["pretrained + SVM"] = (fva, yva)

    # (c), (d) fine-tuning: everything frozen but a new last layer, without / with augmentation
    for augment, label, report in ((False, "fine-tuning (no data augmentation)", 0.935),
                                   (True, "fine-tuning (data augmentation)", 0.95)):
        model, weights = exp.pretrained(arch, ncls, source="cifar10", image_size=size)
        models.freeze(model)
        head = models.replace_head(model, ncls)  # the only trainable layer
        train, val = loaders(model.preprocessing, augment)
        opt = optim.SGD(head.parameters(), lr=1e-3, momentum=0.9)
        run = exp.fit(model, opt, train, val, epochs, label=label)
        exp.add_row({"alternative": label, "accuracy": run.history.last["val_acc"],
                     "report": report, "weights": weights,
                     **history_row(run.history, data=data.source)})
        maps[label] = extract_features(model, plain_loaders(model.preprocessing)[1],
                                       layer=feature_layer)
    exp.note("With the backbone frozen, fine-tuning changes the avgpool features only "
             "through BatchNorm's running statistics, so maps (b)-(d) differ little here.")

    # t-SNE of each alternative's validation features, with a linear classifier on the map
    fig, axes = subplots(1, 4, figsize=(24, 6))
    table2 = {}
    for ax, (label, (feats, labels)) in zip(axes, maps.items()):
        points = tsne_embedding(feats, random_state=exp.seed)
        clf, acc = linear_on_map(points, labels)
        table2[label] = acc
        plot.tsne(points, labels, class_names=data.classes, ax=ax, precomputed=True,
                  title=f"{label}\nlinear classifier on the map: {acc:.3f}")
        if ncls == 2:  # the separating line w.x + b = 0
            (w1, w2), b = clf.coef_[0], clf.intercept_[0]
            xs = np.linspace(points[:, 0].min(), points[:, 0].max(), 2)
            if abs(w2) > 1e-12:
                ax.plot(xs, -(w1 * xs + b) / w2, "k--")
                ax.set_ylim(points[:, 1].min() - 1, points[:, 1].max() + 1)
    fig.savefig(exp.path("transfer_tsne.png"))
    for row in exp.rows:
        row["tsne_linear_acc"] = table2.get(row["alternative"])
    for row, report in zip(exp.rows, (0.70, 0.79, 0.84, 0.93)):
        row["report_tsne_linear"] = report
    exp.write_results()


def transfer_arguments(p) -> None:
    g = p.add_argument_group("transfer options")
    g.add_argument("--arch", default="resnet18",
                   help="network to transfer (resnet18, resnet34, resnet50; default resnet18; "
                        "efficientnet_lite0 with --weights efficientnet_lite0=imagenet: real "
                        "ImageNet weights)")
    g.add_argument("--image-size", type=int, default=64,
                   help="input size with substitute weights (default 64, 32 with --quick; "
                        "224 with --weights)")


SECTIONS = {
    "simplecnn": Section(simple_cnn, "SimpleCNN on MNIST: curves, confusion, t-SNE"),
    "alexnet": Section(alexnet, "reduced AlexNet on CIFAR-10: curves, confusion, t-SNE"),
    "transfer": Section(transfer, "transfer learning: zero / SVM / fine-tune / + augmentation",
                        transfer_arguments),
}

if __name__ == "__main__":
    sys.exit(main(__doc__, SECTIONS, report="004"))
