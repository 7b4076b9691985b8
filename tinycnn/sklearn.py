"""Classic classifiers on deep features, through scikit-learn (imported on first use).

Reports 001 and 004 take the activations of a layer (`tinycnn.train.extract_features`)
and put a k-nearest-neighbour classifier or an SVM on top::

    train_f, train_y = extract_features(model, train_loader, layer="classifier.4")
    test_f, test_y = extract_features(model, test_loader, layer="classifier.4")
    curve = knn_accuracy_curve(train_f, train_y, test_f, test_y, ks=range(1, 41))
    curve.best_k, curve.best_accuracy
    svm_on_features(train_f, train_y, test_f, test_y).accuracy
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np

from .train.metrics import to_numpy


class KNNCurve(NamedTuple):
    """Test accuracy for each k; unpacks as ``ks, accuracies``."""

    ks: np.ndarray
    accuracies: np.ndarray

    @property
    def best_k(self) -> int:
        """The k with the highest accuracy (the smallest such k on ties)."""
        return int(self.ks[int(np.argmax(self.accuracies))])

    @property
    def best_accuracy(self) -> float:
        return float(np.max(self.accuracies))


class SVMResult(NamedTuple):
    """Test accuracy and predictions of an SVM trained on features, and the fitted model."""

    accuracy: float
    predictions: np.ndarray
    classifier: Any


def _xy(feats: Any, y: Any, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Features as (N, D) float arrays and labels as (N,) int arrays, shapes checked."""
    f = to_numpy(feats)
    f = f.reshape(len(f), -1) if f.ndim > 2 else f
    lab = to_numpy(y).astype(np.int64).ravel()
    if f.ndim != 2 or len(f) != len(lab):
        raise ValueError(f"{name}: features must be (N, D) with N = len(labels) = {len(lab)}, "
                         f"got shape {f.shape}")
    return f, lab


def knn_accuracy_curve(train_feats: Any, train_y: Any, test_feats: Any, test_y: Any,
                       ks: Iterable[int] = range(1, 41), metric: str = "euclidean") -> KNNCurve:
    """Accuracy on the test features of a k-NN classifier (uniform vote) for every k.

    Same result as fitting ``KNeighborsClassifier(n_neighbors=k)`` once per k, but the
    neighbours are searched once for the largest k and each smaller k votes with the first
    k of them (a tie in the vote goes to the smallest class index, as in scikit-learn).
    """
    from sklearn.neighbors import NearestNeighbors  # noqa: PLC0415

    xtr, ytr = _xy(train_feats, train_y, "knn_accuracy_curve(train)")
    xte, yte = _xy(test_feats, test_y, "knn_accuracy_curve(test)")
    ks = np.array(sorted(set(int(k) for k in ks)))
    if ks.size == 0 or ks[0] < 1 or ks[-1] > len(xtr):
        raise ValueError(f"knn_accuracy_curve: ks must lie in 1..{len(xtr)} (the number of "
                         f"training samples), got {ks.tolist()}")
    nn = NearestNeighbors(n_neighbors=int(ks[-1]), metric=metric).fit(xtr)
    neighbours = ytr[nn.kneighbors(xte, return_distance=False)]  # (N_test, k_max) labels
    num_classes = int(max(ytr.max(), yte.max())) + 1
    votes = np.zeros((len(xte), num_classes), dtype=np.int64)
    rows = np.arange(len(xte))
    accs, done = [], 0
    for k in ks:
        for j in range(done, k):  # add the votes of neighbours done+1..k
            np.add.at(votes, (rows, neighbours[:, j]), 1)
        done = k
        accs.append(float(np.mean(votes.argmax(axis=1) == yte)))
    return KNNCurve(ks, np.array(accs))


def svm_on_features(train_feats: Any, train_y: Any, test_feats: Any, test_y: Any,
                    kernel: str = "linear", C: float = 1.0, standardize: bool = True,
                    **svc_kwargs: Any) -> SVMResult:
    """Train an SVM (``sklearn.svm.SVC``) on the training features and test it (report 004:
    a pretrained network's features plus an SVM). ``standardize`` scales each feature to
    zero mean and unit variance first, which SVMs need to behave."""
    from sklearn.pipeline import make_pipeline  # noqa: PLC0415
    from sklearn.preprocessing import StandardScaler  # noqa: PLC0415
    from sklearn.svm import SVC  # noqa: PLC0415

    xtr, ytr = _xy(train_feats, train_y, "svm_on_features(train)")
    xte, yte = _xy(test_feats, test_y, "svm_on_features(test)")
    svc = SVC(kernel=kernel, C=C, **svc_kwargs)
    clf = make_pipeline(StandardScaler(), svc) if standardize else svc
    clf.fit(xtr, ytr)
    pred = clf.predict(xte)
    return SVMResult(float(np.mean(pred == yte)), pred, clf)


def tsne_embedding(features: Any, perplexity: float = 30.0, random_state: int | None = 0,
                   pca_dims: int | None = 50, **tsne_kwargs: Any) -> np.ndarray:
    """(N, D) features -> (N, 2) t-SNE coordinates (``sklearn.manifold.TSNE``).

    Features wider than ``pca_dims`` are first reduced with PCA (the usual speed-up; t-SNE
    on 4096-wide AlexNet features is otherwise slow). ``perplexity`` is capped below N.
    """
    from sklearn.decomposition import PCA  # noqa: PLC0415
    from sklearn.manifold import TSNE  # noqa: PLC0415

    x = to_numpy(features).astype(np.float32)
    x = x.reshape(len(x), -1)
    if len(x) < 3:
        raise ValueError(f"tsne_embedding: need at least 3 samples, got {len(x)}")
    if pca_dims is not None and x.shape[1] > pca_dims and len(x) > pca_dims:
        x = PCA(n_components=pca_dims, random_state=random_state).fit_transform(x)
    perplexity = min(perplexity, (len(x) - 1) / 3)
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=random_state,
                **tsne_kwargs)
    return tsne.fit_transform(x)
