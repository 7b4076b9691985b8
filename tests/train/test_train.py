"""fit / Trainer / evaluate / predict / extract_features on tiny synthetic data; top-k accuracy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import tinycnn
import tinycnn.functional as F
from tinycnn import nn, optim
from tinycnn.train import Trainer, evaluate, extract_features, fit, predict
from tinycnn.train.metrics import topk_accuracy


def _data(n=48, seed=0):
    """Two classes of 1x6x6 images: a bright left or right half, plus noise."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0, 0.3, (n, 1, 6, 6)).astype(np.float32)
    x[y == 0, :, :, :3] += 1.0
    x[y == 1, :, :, 3:] += 1.0
    return x, y.astype(np.int64)


def _batches(x, y, batch_size=16):
    return [(tinycnn.tensor(x[i:i + batch_size]), tinycnn.tensor(y[i:i + batch_size]))
            for i in range(0, len(x), batch_size)]


def _net(dropout=0.0, num_classes=2, seed=1):
    tinycnn.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Dropout(dropout), nn.Linear(27, num_classes))


def test_fit_learns_and_records_history():
    x, y = _data()
    train = _batches(x, y)
    val = _batches(*_data(20, seed=1), batch_size=7)
    model = _net()
    history = fit(model, train, optim.SGD(model.parameters(), lr=0.1, momentum=0.9), epochs=4,
                  val_loader=val, progress=False)
    assert len(history) == 4 and history["epoch"] == [1, 2, 3, 4]
    assert history.keys() == ["epoch", "train_loss", "train_acc", "val_loss", "val_acc",
                              "lr", "time"]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_acc"][-1] >= 0.9
    assert history["lr"] == [0.1] * 4 and all(t > 0 for t in history["time"])
    best = history.best()
    assert best["val_acc"] == max(history["val_acc"])
    # the val columns are exactly what evaluate reports for the final weights
    final = evaluate(model, val)
    assert history["val_loss"][-1] == pytest.approx(final.loss, rel=1e-6)
    assert history["val_acc"][-1] == final.accuracy


def test_fit_is_the_plain_loop():
    """fit must do exactly what the hand-written loop does (bitwise)."""
    x, y = _data()
    train = _batches(x, y)
    model_a = _net()
    opt_a = optim.Adam(model_a.parameters(), lr=0.01)
    history = fit(model_a, train, opt_a, epochs=2, progress=False)

    model_b = _net()
    opt_b = optim.Adam(model_b.parameters(), lr=0.01)
    losses = []
    for _ in range(2):
        model_b.train()
        total = 0.0
        for xb, yb in train:
            opt_b.zero_grad()
            loss = F.cross_entropy(model_b(xb), yb)
            loss.backward()
            opt_b.step()
            total += loss.item() * len(yb)
        losses.append(total / len(x))
    for (name, a), b in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    assert history["train_loss"] == pytest.approx(losses, rel=1e-12)


def test_train_accuracy_counts_samples_not_batches():
    x, y = _data(20)
    model = _net()
    history = fit(model, _batches(x, y, batch_size=8), optim.SGD(model.parameters(), lr=0.0),
                  epochs=1, progress=False)  # lr 0: the weights stay, so we can re-check
    expected = np.mean(predict(model, x).argmax(1) == y)
    assert history["train_acc"][0] == pytest.approx(expected)


class _TupleNet(nn.Module):
    """Returns (logits, features), like report 004's AlexNet."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(36, 8), nn.ReLU())
        self.classifier = nn.Linear(8, 2)

    def forward(self, x):
        f = self.features(x)
        return self.classifier(f), f


def test_tuple_output_models_train_on_the_logits():
    x, y = _data()
    model = _TupleNet()
    history = fit(model, _batches(x, y), optim.SGD(model.parameters(), lr=0.1), epochs=3,
                  val_loader=_batches(x, y), progress=False)
    assert history["val_acc"][-1] > 0.8
    assert predict(model, x).shape == (len(x), 2)


def test_non_finite_loss_names_epoch_and_step():
    x, y = _data(48)
    x[20] = np.nan  # in the second batch of 16
    model = _net()
    with pytest.raises(FloatingPointError, match="epoch 1, step 2"):
        fit(model, _batches(x, y), optim.SGD(model.parameters(), lr=0.1), 1, progress=False)


def test_bad_epochs_and_callbacks():
    model = _net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="epochs must be a non-negative int"):
        fit(model, [], opt, epochs=-1)
    with pytest.raises(TypeError, match="callbacks must be Callback instances"):
        fit(model, [], opt, epochs=1, callbacks=[print])
    with pytest.raises(ValueError, match="yielded no batches"):
        fit(model, [], opt, epochs=1, progress=False)


def test_trainer_subclass_changes_the_step():
    class Counting(Trainer):
        steps = 0

        def train_step(self, x, y):
            Counting.steps += 1
            return super().train_step(x, y)

    x, y = _data(32)
    model = _net()
    trainer = Counting(model, optim.SGD(model.parameters(), lr=0.1), progress=False)
    trainer.fit(_batches(x, y), 2)
    trainer.fit(_batches(x, y), 1)  # continues: epochs are numbered on
    assert Counting.steps == 6 and trainer.epoch == 3
    assert trainer.history["epoch"] == [1, 2, 3]


def test_evaluate_reports_per_class_and_restores_mode():
    x, y = _data(30)
    model = _net(dropout=0.5)
    model.train()
    result = evaluate(model, _batches(x, y, batch_size=7), num_classes=3)
    assert model.training  # mode restored
    model.eval()
    with tinycnn.no_grad():
        logits = model(tinycnn.tensor(x))
    expected_pred = logits.numpy().argmax(1)
    np.testing.assert_array_equal(result.predictions, expected_pred)
    np.testing.assert_array_equal(result.targets, y)
    assert result.accuracy == pytest.approx(np.mean(expected_pred == y))
    assert result.loss == pytest.approx(F.cross_entropy(logits, tinycnn.tensor(y)).item(),
                                        rel=1e-5)
    # per class = recall of each class; class 2 never occurs -> NaN
    for c in (0, 1):
        assert result.per_class_accuracy[c] == pytest.approx(np.mean(expected_pred[y == c] == c))
    assert np.isnan(result.per_class_accuracy[2])
    assert result.confusion_matrix().sum() == 30 and result.confusion_matrix().shape == (3, 3)
    assert evaluate(model, _batches(x, y), loss_fn=None).loss is None


def test_tencrop_batches_are_averaged_over_crops():
    rng = np.random.default_rng(0)
    crops = rng.normal(size=(4, 10, 1, 6, 6)).astype(np.float32)  # (N, ncrops, C, H, W)
    y = np.array([0, 1, 0, 1])
    model = _net()
    model.eval()
    with tinycnn.no_grad():
        per_crop = model(tinycnn.tensor(crops.reshape(40, 1, 6, 6))).numpy().reshape(4, 10, 2)
    expected = per_crop.mean(axis=1)
    np.testing.assert_allclose(predict(model, crops), expected, rtol=1e-5, atol=1e-6)
    result = evaluate(model, [(tinycnn.tensor(crops), tinycnn.tensor(y))])
    np.testing.assert_array_equal(result.predictions, expected.argmax(1))


def test_predict_inputs_and_tta():
    x, y = _data(10)
    model = _net()
    full = predict(model, x)
    np.testing.assert_allclose(predict(model, tinycnn.tensor(x), batch_size=3), full, rtol=1e-6)
    np.testing.assert_allclose(predict(model, _batches(x, y, 4)), full, rtol=1e-6)
    np.testing.assert_allclose(predict(model, [tinycnn.tensor(x)]), full, rtol=1e-6)

    def flips(batch):  # a list of crops of the batch, like torchvision's TenCrop
        return [batch.numpy(), batch.numpy()[:, :, :, ::-1].copy()]

    flipped = predict(model, x[:, :, :, ::-1].copy())
    np.testing.assert_allclose(predict(model, x, tta=flips), (full + flipped) / 2, rtol=1e-5,
                               atol=1e-6)
    stacked = predict(model, x, tta=lambda b: np.stack(flips(b), axis=1))
    np.testing.assert_allclose(stacked, (full + flipped) / 2, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="tta must return"):
        predict(model, x, tta=lambda b: b)


def test_predict_with_the_tencrop_transform():
    from tinycnn.data import transforms as T

    x, _ = _data(3)
    model = _net(num_classes=2)
    model[5] = nn.Linear(3, 2)  # a 2x2 crop gives (3, 2, 2) after the conv, 3 after the pool
    out = predict(model, x, tta=T.TenCrop(2))
    crops = T.TenCrop(2).batch(tinycnn.tensor(x)).numpy()  # (3, 10, 1, 2, 2)
    assert crops.shape == (3, 10, 1, 2, 2)
    expected = predict(model, crops.reshape(30, 1, 2, 2)).reshape(3, 10, 2).mean(1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_extract_features_of_a_named_layer():
    x, y = _data(20)
    model = _net()
    feats, labels = extract_features(model, _batches(x, y, 8), layer="2")  # after the pool
    assert feats.shape == (20, 27) and labels.tolist() == y.tolist()
    model.eval()
    with tinycnn.no_grad():
        manual = model[2](model[1](model[0](tinycnn.tensor(x)))).numpy().reshape(20, -1)
    np.testing.assert_allclose(feats, manual, rtol=1e-6)
    assert all(not m._forward_hooks for m in model.modules())  # hook removed
    logits, _ = extract_features(model, _batches(x, y), layer=None)
    np.testing.assert_allclose(logits, predict(model, x), rtol=1e-6)
    feats, labels = extract_features(model, x, layer="5")
    assert feats.shape == (20, 2) and labels is None
    with pytest.raises(ValueError, match=r"no layer 'classifier.1'.*'0', '1'"):
        extract_features(model, x)


def test_extract_features_of_a_tuple_model():
    x, y = _data(12)
    feats, _ = extract_features(_TupleNet(), _batches(x, y), layer="features")
    assert feats.shape == (12, 8) and (feats >= 0).all()  # after the ReLU


def _resume_setup(seed):
    from tinycnn.data import DataLoader, TensorDataset

    x, y = _data(40)
    model = _net(dropout=0.5, seed=seed)  # dropout and shuffling both draw random numbers
    loader = DataLoader(TensorDataset(tinycnn.tensor(x), tinycnn.tensor(y)), batch_size=8,
                        shuffle=True)
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    return loader, model, opt, sched


def test_resume_is_exact(tmp_path):
    """2 epochs == 1 epoch, save, load into fresh objects, 1 more epoch (bitwise)."""
    loader, model, opt, sched = _resume_setup(5)
    straight = Trainer(model, opt, scheduler=sched, progress=False)
    straight.fit(loader, 2, val_loader=loader)

    loader, model, opt, sched = _resume_setup(5)
    first = Trainer(model, opt, scheduler=sched, progress=False)
    first.fit(loader, 1, val_loader=loader)
    first.save_checkpoint(tmp_path / "ckpt.npz")
    tinycnn.backend.rng().random(17)  # whatever happens in between must not matter

    loader, model, opt, sched = _resume_setup(6)  # fresh objects, another initialisation
    second = Trainer(model, opt, scheduler=sched, progress=False)
    second.load_checkpoint(tmp_path / "ckpt.npz")
    assert second.epoch == 1 and len(second.history) == 1
    second.fit(loader, 1, val_loader=loader)

    for (name, a), b in zip(straight.model.state_dict().items(),
                            second.model.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    sa, sb = straight.optimizer.state_dict(), second.optimizer.state_dict()
    for i in sa["state"]:
        for k, v in sa["state"][i].items():
            np.testing.assert_array_equal(np.asarray(v), np.asarray(sb["state"][i][k]))
    assert second.history["lr"] == straight.history["lr"] == [0.01, 0.005]
    assert second.history["train_loss"] == straight.history["train_loss"]
    assert second.history["val_acc"] == straight.history["val_acc"]


# --- top-k accuracy ------------------------------------------------------------------------

def test_topk_accuracy_matches_torch_topk():
    gen = np.random.default_rng(0)
    logits = gen.standard_normal((50, 10)).astype(np.float32)
    y = gen.integers(0, 10, 50)
    top = torch.tensor(logits).topk(5, dim=1).indices.numpy()
    want = [(top[:, :k] == y[:, None]).any(axis=1).mean() for k in (1, 3, 5)]
    got = topk_accuracy(tinycnn.tensor(logits), tinycnn.tensor(y), ks=(1, 3, 5))
    np.testing.assert_allclose(got, want)
    assert got[0] == (logits.argmax(1) == y).mean()
    assert topk_accuracy(np.array([[0.0, 1.0], [2.0, 1.0]]), [1, 1], ks=(1, 2)) == (0.5, 1.0)
    assert topk_accuracy(np.array([[1.0, 1.0]]), [1], ks=(1,)) == (0.0,)  # tie: lower index wins
    with pytest.raises(ValueError, match=r"ks must be ints in \[1, 2\].*got \(3,\)"):
        topk_accuracy(np.zeros((1, 2)), [0], ks=(3,))
    with pytest.raises(ValueError, match=r"logits must be \(N, K\) with N = len\(targets\) = 2"):
        topk_accuracy(np.zeros((3, 2)), [0, 1])
    with pytest.raises(ValueError, match="targets hold class 5 but logits have only 2"):
        topk_accuracy(np.zeros((1, 2)), [5])
