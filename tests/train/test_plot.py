"""tinycnn.plot: every figure renders with Agg to a non-empty PNG with the expected axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tinycnn import plot  # noqa: E402
from tinycnn.train import History  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _is_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 1000
    from PIL import Image

    with Image.open(path) as im:
        assert im.size[0] > 100 and im.size[1] > 100


def _history():
    return History([
        {"epoch": 1, "train_loss": 1.0, "train_acc": 0.6, "val_loss": 0.8, "val_acc": 0.7},
        {"epoch": 2, "train_loss": 0.5, "train_acc": 0.8, "val_loss": 0.6, "val_acc": 0.85},
        {"epoch": 3, "train_loss": 0.3, "train_acc": 0.9, "val_loss": 0.7, "val_acc": 0.8},
    ])


def test_learning_curves(tmp_path):
    fig = plot.learning_curves(_history(), path=tmp_path / "c.png", title="run")
    _is_png(tmp_path / "c.png")
    ax_loss, ax_acc = fig.axes
    assert (ax_loss.get_xlabel(), ax_loss.get_ylabel()) == ("Epoch", "Loss")
    assert ax_acc.get_ylabel() == "Accuracy"
    labels = [t.get_text() for t in ax_acc.get_legend().get_texts()]
    assert labels[:2] == ["train", "validation"]
    assert "best val 0.8500 (epoch 2)" in labels
    np.testing.assert_allclose(ax_loss.lines[1].get_ydata(), [0.8, 0.6, 0.7])


def test_learning_curves_without_validation_and_from_dict():
    fig = plot.learning_curves({"train_loss": [2.0, 1.0], "train_acc": [0.1, 0.5]})
    assert len(fig.axes[0].lines) == 1
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), [1, 2])
    with pytest.raises(ValueError, match="train_loss"):
        plot.learning_curves({"val_loss": [1.0]})


def test_history_plot_delegates(tmp_path):
    _history().plot(tmp_path / "h.png")
    _is_png(tmp_path / "h.png")


def test_confusion_matrix_counts_and_normalized(tmp_path):
    y_true = [0, 0, 1, 1, 1, 2]
    y_pred = [0, 1, 1, 1, 2, 2]
    fig = plot.confusion_matrix(y_true, y_pred, class_names=["a", "b", "c"],
                                path=tmp_path / "cm.png")
    _is_png(tmp_path / "cm.png")
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted label", "True label")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    assert "2" in [t.get_text() for t in ax.texts]
    fig = plot.confusion_matrix(y_true, y_pred, normalize="true")
    np.testing.assert_allclose(fig.axes[0].images[0].get_array().sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="normalize"):
        plot.confusion_matrix(y_true, y_pred, normalize="rows")


def test_most_confused_pairs_reexported():
    pairs = plot.most_confused_pairs([6, 6, 0, 5, 3, 1], [0, 0, 6, 3, 5, 1], k=2)
    assert pairs == [(0, 6, 3), (3, 5, 2)]


def test_tsne(tmp_path):
    rng = np.random.default_rng(0)
    feats = np.concatenate([rng.normal(0, 1, (20, 8)), rng.normal(6, 1, (20, 8))])
    labels = np.repeat([0, 1], 20)
    fig = plot.tsne(feats, labels, class_names=["zero", "one"], path=tmp_path / "t.png",
                    perplexity=5, max_iter=250)
    _is_png(tmp_path / "t.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "t-SNE 1"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zero", "one"]
    assert len(ax.collections) == 2 and ax.collections[0].get_offsets().shape == (20, 2)


def test_tsne_into_given_axes_with_precomputed_points():
    fig, (a, b) = plt.subplots(1, 2)
    points = np.random.default_rng(0).normal(size=(10, 2))
    out = plot.tsne(points, np.arange(10) % 2, ax=b, precomputed=True, title="final layer")
    assert out is fig and b.get_title() == "final layer" and not a.collections
    with pytest.raises(ValueError, match=r"\(N, 2\) points"):
        plot.tsne(np.zeros((10, 3)), np.zeros(10, int), precomputed=True)


def test_knn_curve(tmp_path):
    fig = plot.knn_curve(range(1, 6), [0.5, 0.7, 0.6, 0.65, 0.6], path=tmp_path / "k.png")
    _is_png(tmp_path / "k.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "k (number of neighbours)" and ax.get_ylabel() == "Accuracy"
    assert ax.get_legend().get_texts()[0].get_text() == "best k=2: 0.7000"
    with pytest.raises(ValueError, match="same non-zero length"):
        plot.knn_curve([1, 2], [0.5])


@pytest.mark.parametrize("shape", [(5, 1, 8, 8), (5, 3, 8, 8), (5, 8, 8)])
def test_image_grid(tmp_path, shape):
    images = np.random.default_rng(0).normal(size=shape)  # normalised data: stretched
    fig = plot.image_grid(images, labels=[0, 1, 2, 1, 0], class_names=["x", "y", "z"],
                          ncols=3, path=tmp_path / "g.png")
    _is_png(tmp_path / "g.png")
    assert len(fig.axes) == 6  # 2 rows x 3 columns, the last one blank
    assert [ax.get_title() for ax in fig.axes[:5]] == ["x", "y", "z", "y", "x"]
    shown = fig.axes[0].images[0].get_array()
    assert shown.min() >= 0 and shown.max() <= 1


def test_image_grid_bad_input():
    with pytest.raises(ValueError, match="1 or 3 channels"):
        plot.image_grid(np.zeros((2, 2, 4, 4)))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        plot.image_grid(np.zeros((4, 4)))


def test_filters_rgb_and_grey(tmp_path):
    w = np.random.default_rng(0).normal(size=(6, 3, 5, 5)).astype(np.float32)
    fig = plot.filters(w, path=tmp_path / "f.png")
    _is_png(tmp_path / "f.png")
    assert sum(bool(ax.images) for ax in fig.axes) == 6
    assert fig.axes[0].images[0].get_array().shape == (5, 5, 3)
    fig = plot.filters(np.random.default_rng(1).normal(size=(4, 2, 3, 3)))
    assert sum(bool(ax.images) for ax in fig.axes) == 8 and len(fig.axes) == 8  # 4 rows x 2
    fig = plot.filters(np.random.default_rng(1).normal(size=(6, 1, 5, 5)))
    assert len(fig.axes) == 6 and fig.axes[0].images[0].get_array().shape == (5, 5)
    assert fig._suptitle.get_text() == "Filters 6 x 1 x 5 x 5"
    with pytest.raises(ValueError, match=r"\(out, in, kH, kW\)"):
        plot.filters(np.zeros((3, 3)))


def test_metric_grid_from_mapping(tmp_path):
    table = {(2, 1): 0.61, (2, 2): 0.63, (5, 3): 0.70, (3, 1): 0.64}
    fig = plot.metric_grid(table, value_label="Accuracy", path=tmp_path / "m.png")
    _is_png(tmp_path / "m.png")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Fully connected layers" and ax.get_ylabel() == "Convolution layers"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2", "3", "5"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.61", "0.63", "0.64", "0.7"]
    assert fig.axes[1].get_ylabel() == "Accuracy"  # the colour bar


def test_metric_grid_from_array():
    fig = plot.metric_grid(np.array([[10.0, 20.0], [30.0, 40.0]]), rows=[1, 2], cols=["a", "b"],
                           value_label="Time (s)", fmt=".0f")
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["10", "20", "30", "40"]
    with pytest.raises(ValueError, match="2 rows x 3 cols"):
        plot.metric_grid(np.zeros((2, 2)), rows=[1, 2], cols=[1, 2, 3])


def test_saved_figures_are_released_from_pyplot(tmp_path):
    import matplotlib.pyplot as plt

    before = len(plt.get_fignums())
    for i in range(3):
        fig = plot.knn_curve([1, 2, 3], [0.5, 0.6, 0.55], path=tmp_path / f"k{i}.png")
    assert len(plt.get_fignums()) == before
    fig.savefig(tmp_path / "again.png")  # the returned figure is still usable
    assert (tmp_path / "again.png").stat().st_size > 0
