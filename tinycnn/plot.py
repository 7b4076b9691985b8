"""The figures the reports show: learning curves, confusion matrices, t-SNE maps, KNN
accuracy against k, image grids, first-layer filters, and grids of a metric over two
hyper-parameters.

Every function returns the matplotlib ``Figure`` and, with ``path=``, also saves it as a
PNG. On a machine without a display the non-interactive Agg backend is used, so the
functions work in scripts, on servers and in tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .train.metrics import confusion_matrix as _confusion_counts
from .train.metrics import most_confused_pairs, to_numpy

__all__ = ["confusion_matrix", "filters", "image_grid", "knn_curve", "learning_curves",
           "metric_grid", "most_confused_pairs", "tsne"]

PathLike = str | os.PathLike | None


def _pyplot() -> Any:
    """matplotlib.pyplot, switched to Agg first when there is no display to draw on."""
    import matplotlib  # noqa: PLC0415  (heavy: imported on first plot only)

    no_display = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if no_display and "matplotlib.pyplot" not in sys.modules and "ipykernel" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _finish(fig: Any, path: PathLike) -> Any:
    """Lay out ``fig``; when saved to ``path``, also release it from pyplot's registry.

    A script that saves dozens of figures would otherwise keep them all open (and
    matplotlib warns after 20); the returned Figure can still be saved or shown.
    """
    fig.tight_layout()
    if path is not None:
        fig.savefig(os.fspath(path), format="png", dpi=fig.dpi)
        _pyplot().close(fig)
    return fig


def learning_curves(history: Any, path: PathLike = None, title: str | None = None) -> Any:
    """Loss and accuracy per epoch, train vs validation, side by side.

    ``history``: a `History` or a dict of per-epoch lists with keys ``train_loss``,
    ``train_acc`` and optionally ``val_loss``, ``val_acc`` (``epoch`` defaults to 1..E).
    The best validation accuracy is marked.
    """
    cols = history.to_dict() if hasattr(history, "to_dict") else dict(history)
    if not cols.get("train_loss"):
        raise ValueError("learning_curves: history has no 'train_loss' values")
    epochs = cols.get("epoch") or list(range(1, len(cols["train_loss"]) + 1))
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric, label in ((ax_loss, "loss", "Loss"), (ax_acc, "acc", "Accuracy")):
        for split, style in (("train", "o-"), ("val", "s--")):
            values = cols.get(f"{split}_{metric}")
            if values is None or all(v is None for v in values):
                continue
            ys = [np.nan if v is None else v for v in values]
            ax.plot(epochs, ys, style, label="validation" if split == "val" else "train")
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        ax.set_title(label)
        ax.grid(alpha=0.3)
        ax.legend()
    val_acc = [np.nan if v is None else v for v in cols.get("val_acc") or []]
    if val_acc and not np.all(np.isnan(val_acc)):
        i = int(np.nanargmax(val_acc))
        ax_acc.plot(epochs[i], val_acc[i], "r*", markersize=14,
                    label=f"best val {val_acc[i]:.4f} (epoch {epochs[i]})")
        ax_acc.legend()
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def confusion_matrix(y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None,
                     normalize: str | None = None, path: PathLike = None,
                     title: str | None = None, cmap: str = "Blues") -> Any:
    """Heat map of the confusion matrix (rows: true class, columns: predicted class).

    ``normalize``: None (counts), ``"true"`` (each row sums to 1: per-class recall),
    ``"pred"`` (columns sum to 1) or ``"all"``, as in scikit-learn.
    """
    if normalize not in (None, "true", "pred", "all"):
        raise ValueError(f"normalize must be None, 'true', 'pred' or 'all', got {normalize!r}")
    num_classes = len(class_names) if class_names is not None else None
    cm = _confusion_counts(y_true, y_pred, num_classes).astype(np.float64)
    if normalize is not None:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        total = cm.sum(axis=axis, keepdims=True)
        cm = np.divide(cm, total, out=np.zeros_like(cm), where=total > 0)
    k = len(cm)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    plt = _pyplot()
    size = max(5.0, 0.5 * k + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    image = ax.imshow(cm, cmap=cmap, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_xticks(range(k), labels=names, rotation=45 if k > 5 else 0, ha="right" if k > 5 else "center")
    ax.set_yticks(range(k), labels=names)
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    ax.set_title(title or ("Confusion matrix" + (f" (normalized: {normalize})" if normalize else "")))
    if k <= 20:  # numbers in the cells stay readable up to about 20 classes
        threshold = cm.max() / 2 if cm.size else 0
        for i in range(k):
            for j in range(k):
                text = f"{cm[i, j]:.2f}" if normalize else f"{int(cm[i, j])}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > threshold else "black")
    return _finish(fig, path)


def tsne(features: Any, labels: Any, class_names: Sequence[str] | None = None,
         path: PathLike = None, title: str | None = None, ax: Any = None,
         precomputed: bool = False, **tsne_kwargs: Any) -> Any:
    """Scatter plot of a 2-D t-SNE embedding of ``features`` (N, D), coloured by label.

    ``tsne_kwargs`` go to `tinycnn.sklearn.tsne_embedding` (perplexity, random_state...).
    ``precomputed=True`` plots ``features`` (N, 2) as they are. ``ax`` draws into existing
    axes (report 003 puts the intermediate and final layers side by side).
    """
    from .sklearn import tsne_embedding  # noqa: PLC0415

    labels = to_numpy(labels).astype(np.int64).ravel()
    points = to_numpy(features) if precomputed else tsne_embedding(features, **tsne_kwargs)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(f"tsne: expected (N, 2) points for N={len(labels)} labels, got "
                         f"{points.shape}")
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 6))
    else:
        fig = ax.figure
    classes = np.unique(labels)
    cmap = plt.get_cmap("tab10" if len(classes) <= 10 else "tab20")
    for n, c in enumerate(classes):
        mask = labels == c
        name = class_names[c] if class_names is not None else str(c)
        ax.scatter(points[mask, 0], points[mask, 1], s=6, color=cmap(n % cmap.N), label=name)
    ax.set_xlabel("t-SNE 1")
    ax.set_ylabel("t-SNE 2")
    ax.set_title(title or "t-SNE")
    ax.legend(markerscale=3, fontsize=8, loc="best")
    return _finish(fig, path)


def knn_curve(ks: Sequence[int], accs: Sequence[float], path: PathLike = None,
              title: str | None = None) -> Any:
    """Test accuracy against k for a KNN classifier (report 001), best k marked."""
    ks, accs = np.asarray(ks), np.asarray(accs, dtype=np.float64)
    if ks.shape != accs.shape or ks.size == 0:
        raise ValueError(f"knn_curve: ks and accs must have the same non-zero length, got "
                         f"{ks.shape} and {accs.shape}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(ks, accs, "o-", markersize=3)
    best = int(np.argmax(accs))
    ax.plot(ks[best], accs[best], "r*", markersize=14,
            label=f"best k={ks[best]}: {accs[best]:.4f}")
    ax.set_xlabel("k (number of neighbours)")
    ax.set_ylabel("Accuracy")
    ax.set_title(title or "KNN accuracy against k")
    ax.grid(alpha=0.3)
    ax.legend()
    return _finish(fig, path)


def _to_display(image: np.ndarray) -> np.ndarray:
    """(C, H, W) or (H, W) -> (H, W) or (H, W, 3) scaled into [0, 1] for imshow."""
    if image.ndim == 3:
        if image.shape[0] == 1:
            image = image[0]
        elif image.shape[0] == 3:
            image = image.transpose(1, 2, 0)
        else:
            raise ValueError(f"images need 1 or 3 channels, got {image.shape[0]}")
    image = image.astype(np.float64)
    lo, hi = image.min(), image.max()
    if lo < 0 or hi > 1:  # normalised or 0..255 data: stretch to [0, 1]
        image = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    return image


def image_grid(images: Any, labels: Any = None, class_names: Sequence[str] | None = None,
               ncols: int = 8, path: PathLike = None, title: str | None = None) -> Any:
    """A grid of images (N, C, H, W) or (N, H, W) with their labels as titles.

    Values outside [0, 1] (normalised or 0..255) are stretched per image for display.
    ``labels``: class indices (shown through ``class_names``) or strings.
    """
    images = to_numpy(images)
    if images.ndim not in (3, 4) or len(images) == 0:
        raise ValueError(f"image_grid: images must be (N, C, H, W) or (N, H, W) with N > 0, "
                         f"got shape {images.shape}")
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = (n + ncols - 1) // ncols
    plt = _pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.5 * ncols, 1.7 * nrows), squeeze=False)
    if labels is not None:
        labels = list(labels) if isinstance(labels, (list, tuple)) else to_numpy(labels).tolist()
    for idx, ax in enumerate(axes.flat):
        ax.axis("off")
        if idx >= n:
            continue
        shown = _to_display(images[idx])
        ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1)
        if labels is not None:
            lab = labels[idx]
            named = class_names is not None and not isinstance(lab, str)
            ax.set_title(class_names[int(lab)] if named else str(lab), fontsize=8)
    if title:
        fig.suptitle(title)
    return _finish(fig, path)


def filters(conv_layer: Any, path: PathLike = None, max_filters: int = 64,
            title: str | None = None) -> Any:
    """The kernels of a convolution (first layer: what the network looks for in pixels).

    ``conv_layer``: a `Conv2d` or its weight (out, in, kH, kW). With 1 or 3 input channels
    each filter is one grey or colour tile, 8 to a row; otherwise each (filter, input
    channel) kernel is a grey tile, one row per filter. One scale for all tiles.
    """
    weight = getattr(conv_layer, "weight", conv_layer)
    w = to_numpy(weight).astype(np.float64)
    if w.ndim != 4:
        raise ValueError(f"filters: expected a conv weight of shape (out, in, kH, kW), got "
                         f"{w.shape}")
    shape = w.shape
    w = w[:max_filters]
    out_c, in_c = w.shape[:2]
    # one grey scale for all kernels (not one per kernel), so their strengths compare
    w = (w - w.min()) / (w.max() - w.min()) if w.max() > w.min() else np.zeros_like(w)
    if in_c in (1, 3):
        ncols = min(8, out_c)
        tiles = [w[i] for i in range(out_c)]  # (1, kH, kW) grey or (3, kH, kW) colour
    else:
        ncols = min(in_c, 16)
        tiles = [w[i, j] for i in range(out_c) for j in range(ncols)]
    nrows = (len(tiles) + ncols - 1) // ncols
    plt = _pyplot()
    fig, axes = plt.subplots(nrows, ncols, figsize=(max(3.0, 1.1 * ncols), 1.1 * nrows + 0.6),
                             squeeze=False)
    for idx, ax in enumerate(axes.flat):
        ax.axis("off")
        if idx < len(tiles):
            shown = _to_display(tiles[idx])
            ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=1,
                      interpolation="nearest")
    fig.suptitle(title or "Filters {} x {} x {} x {}".format(*shape))
    return _finish(fig, path)


def metric_grid(table: Mapping[tuple[Any, Any], float] | Any, rows: Sequence[Any] | None = None,
                cols: Sequence[Any] | None = None, row_label: str = "Convolution layers",
                col_label: str = "Fully connected layers", value_label: str = "Accuracy",
                fmt: str = ".3g", path: PathLike = None, title: str | None = None,
                cmap: str = "viridis") -> Any:
    """Heat map of a metric over two settings, each cell annotated (report 002: accuracy
    and training time for every number of conv layers x number of FC layers).

    ``table``: ``{(row_value, col_value): metric}`` (missing cells stay blank), or a 2-D
    array with ``rows`` and ``cols`` giving the tick labels.
    """
    if isinstance(table, Mapping):
        rows = sorted({r for r, _ in table}) if rows is None else list(rows)
        cols = sorted({c for _, c in table}) if cols is None else list(cols)
        grid = np.full((len(rows), len(cols)), np.nan)
        for (r, c), v in table.items():
            grid[rows.index(r), cols.index(c)] = float(v)
    else:
        grid = to_numpy(table).astype(np.float64)
        if grid.ndim != 2:
            raise ValueError(f"metric_grid: table must be 2-D, got shape {grid.shape}")
        rows = list(range(grid.shape[0])) if rows is None else list(rows)
        cols = list(range(grid.shape[1])) if cols is None else list(cols)
        if (len(rows), len(cols)) != grid.shape:
            raise ValueError(f"metric_grid: {len(rows)} rows x {len(cols)} cols given for a "
                             f"table of shape {grid.shape}")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(1.1 * len(cols) + 3, 0.8 * len(rows) + 2))
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, origin="lower", aspect="auto")
    fig.colorbar(image, ax=ax, label=value_label)
    ax.set_xticks(range(len(cols)), labels=[str(c) for c in cols])
    ax.set_yticks(range(len(rows)), labels=[str(r) for r in rows])
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    ax.set_title(title or f"{value_label} by {row_label.lower()} and {col_label.lower()}")
    finite = grid[np.isfinite(grid)]
    mid = (finite.min() + finite.max()) / 2 if finite.size else 0
    for i in range(len(rows)):
        for j in range(len(cols)):
            if np.isfinite(grid[i, j]):
                ax.text(j, i, format(grid[i, j], fmt), ha="center", va="center", fontsize=9,
                        color="black" if grid[i, j] > mid else "white")
    return _finish(fig, path)
