"""tinycnn.summary: the Keras-style table, checked against the Keras tables of report 001."""

from __future__ import annotations

import numpy as np

import tinycnn
import tinycnn.nn as nn


def report_cnn() -> nn.Sequential:
    """The first CIFAR-10 network of report 001 (a Keras Sequential), channels first."""
    return nn.Sequential(
        nn.Conv2d(3, 30, 3, padding=1), nn.ReLU(), nn.Conv2d(30, 30, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25), nn.Conv2d(30, 48, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(48, 48, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten(),
        nn.Linear(192, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10),
    )


class DenseBlock(nn.Module):
    """Two (BN, ReLU, 1x1 conv to 48, BN, ReLU, 3x3 conv to 12) layers, each output
    concatenated in front of its input, as in report 001's DenseNet."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList()
        for _ in range(2):
            self.layers.append(nn.Sequential(
                nn.BatchNorm2d(channels), nn.ReLU(), nn.Conv2d(channels, 48, 1, bias=False),
                nn.BatchNorm2d(48), nn.ReLU(), nn.Conv2d(48, 12, 3, padding=1, bias=False)))
            channels += 12

    def forward(self, x):
        for layer in self.layers:
            x = tinycnn.cat([layer(x), x], dim=1)
        return x


def report_densenet() -> nn.Sequential:
    """Report 001's DenseNet (Keras summary: 45,634 params, 1,224 non-trainable)."""
    def transition():
        return [nn.BatchNorm2d(48), nn.ReLU(), nn.Conv2d(48, 24, 1, bias=False), nn.AvgPool2d(2)]
    return nn.Sequential(
        nn.Conv2d(3, 24, 3, padding=1, bias=False),
        DenseBlock(24), *transition(), DenseBlock(24), *transition(), DenseBlock(24),
        nn.BatchNorm2d(48), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(48, 10),
    )


def test_report_cnn_table_matches_keras(capsys):
    s = tinycnn.summary(report_cnn(), (3, 32, 32), style="keras")
    printed = capsys.readouterr().out
    assert s.total_params == s.trainable_params == 49_268 and s.non_trainable_params == 0
    assert "Total params: 49,268" in printed and "Non-trainable params: 0" in printed
    convs = [r for r in s.rows if r.type in ("Conv2d", "Linear")]
    assert [r.params for r in convs] == [840, 8130, 13008, 20784, 6176, 330]  # Keras's numbers
    shapes = [r.output_shape for r in s.rows if r.type in ("Conv2d", "MaxPool2d", "Flatten")]
    assert shapes == [(1, 30, 32, 32), (1, 30, 30, 30), (1, 30, 15, 15), (1, 48, 13, 13),
                      (1, 48, 6, 6), (1, 48, 4, 4), (1, 48, 2, 2), (1, 192)]
    assert "0 (Conv2d)" in printed and "(None, 30, 32, 32)" in printed
    assert str(s) in printed and repr(s) == str(s)


def test_report_densenet_counts_batchnorm_like_keras():
    s = tinycnn.summary(report_densenet(), (3, 32, 32), verbose=False, style="keras")
    assert (s.total_params, s.trainable_params, s.non_trainable_params) == (45_634, 44_410, 1_224)
    bn = [r for r in s.rows if r.type == "BatchNorm2d"]
    assert [r.params for r in bn[:3]] == [96, 192, 144]  # BatchNorm(24) = 96, as in Keras
    assert bn[0].name == "1.layers.0.0" and bn[0].output_shape == (1, 24, 32, 32)
    assert s.rows[-1].output_shape == (1, 10)


def test_frozen_layers_are_non_trainable_and_summary_has_no_side_effects():
    model = report_cnn()
    nn.freeze(model)
    nn.unfreeze(model[-1])
    bn_model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.Flatten(),
                             nn.Linear(4 * 26 * 26, 2))
    s = tinycnn.summary(model, (3, 32, 32), verbose=False, style="keras")
    assert s.trainable_params == 330 and s.non_trainable_params == 49_268 - 330
    bn_model.train()
    before = bn_model[1].running_mean.numpy().copy()
    s = tinycnn.summary(bn_model, [(1, 28, 28)], verbose=False, style="keras")
    assert all(m.training for m in bn_model.modules())
    np.testing.assert_array_equal(bn_model[1].running_mean.numpy(), before)
    assert int(bn_model[1].num_batches_tracked) == 0
    assert s.non_trainable_params == 8 and s.rows[0].name == "0"
