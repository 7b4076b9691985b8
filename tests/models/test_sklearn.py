"""tinycnn.sklearn: KNN accuracy against k and SVMs on features, checked against
scikit-learn's own classifiers fitted the slow way."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

import tinycnn
from tinycnn.sklearn import knn_accuracy_curve, svm_on_features, tsne_embedding


def _blobs(n, seed, num_classes=4, dim=6, spread=2.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, num_classes, n)
    centres = np.random.default_rng(100).normal(0, spread, (num_classes, dim))
    return (centres[y] + rng.normal(size=(n, dim))).astype(np.float32), y


def test_knn_curve_matches_one_classifier_per_k():
    xtr, ytr = _blobs(120, 0)
    xte, yte = _blobs(60, 1)
    curve = knn_accuracy_curve(xtr, ytr, xte, yte, ks=range(1, 16))
    expected = [KNeighborsClassifier(n_neighbors=k).fit(xtr, ytr).score(xte, yte)
                for k in range(1, 16)]
    np.testing.assert_array_equal(curve.ks, np.arange(1, 16))
    np.testing.assert_allclose(curve.accuracies, expected)
    ks, accs = curve  # unpacks like a tuple, ready for plot.knn_curve(ks, accs)
    assert curve.best_accuracy == max(expected)
    assert curve.best_k == 1 + int(np.argmax(expected))
    assert 0.4 < curve.best_accuracy <= 1.0


def test_knn_curve_accepts_tensors_and_unsorted_ks():
    xtr, ytr = _blobs(30, 2)
    curve = knn_accuracy_curve(tinycnn.tensor(xtr), tinycnn.tensor(ytr), xtr, ytr, ks=[3, 1])
    assert curve.ks.tolist() == [1, 3]
    assert curve.accuracies[0] == 1.0  # each training point is its own nearest neighbour


def test_knn_curve_bad_input():
    xtr, ytr = _blobs(10, 0)
    with pytest.raises(ValueError, match=r"ks must lie in 1\.\.10"):
        knn_accuracy_curve(xtr, ytr, xtr, ytr, ks=range(1, 41))
    with pytest.raises(ValueError, match="N = len\\(labels\\) = 9"):
        knn_accuracy_curve(xtr, ytr[:9], xtr, ytr)


def test_svm_on_features_matches_sklearn():
    xtr, ytr = _blobs(100, 3)
    xte, yte = _blobs(50, 4)
    res = svm_on_features(xtr, ytr, xte, yte, kernel="linear", C=0.5, standardize=False)
    ref = SVC(kernel="linear", C=0.5).fit(xtr, ytr)
    np.testing.assert_array_equal(res.predictions, ref.predict(xte))
    assert res.accuracy == pytest.approx(ref.score(xte, yte))
    assert res.accuracy > 0.5
    scaled = svm_on_features(xtr * 1000, ytr, xte * 1000, yte, kernel="rbf")
    assert scaled.accuracy > 0.5  # standardising makes the scale irrelevant


def test_svm_flattens_conv_features():
    xtr, ytr = _blobs(40, 5, dim=8)
    res = svm_on_features(xtr.reshape(40, 2, 2, 2), ytr, xtr.reshape(40, 2, 2, 2), ytr)
    assert res.predictions.shape == (40,)


def test_tsne_embedding_shape_and_small_n():
    x, _ = _blobs(12, 6, dim=60)
    emb = tsne_embedding(x, perplexity=30, max_iter=250)  # perplexity capped below N, PCA to 50 skipped (N<50)
    assert emb.shape == (12, 2) and np.isfinite(emb).all()
    with pytest.raises(ValueError, match="at least 3"):
        tsne_embedding(x[:2])
