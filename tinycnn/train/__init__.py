"""Training conveniences: `fit` / `Trainer`, callbacks, `History`, `evaluate`, `predict`,
`extract_features`. A hand-written loop needs none of this (see docs/training.md)."""

from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LossThreshold,
    LRSchedulerCallback,
    ModelCheckpoint,
    ProgressBar,
)
from .evaluate import EvalResult, evaluate, first_output, predict
from .features import extract_features
from .fit import Trainer, fit
from .history import History
from .metrics import confusion_matrix, most_confused_pairs, per_class_accuracy, topk_accuracy

__all__ = [
    "CSVLogger", "Callback", "EarlyStopping", "EvalResult", "History", "LRSchedulerCallback",
    "LambdaCallback", "LossThreshold", "ModelCheckpoint", "ProgressBar", "Trainer",
    "confusion_matrix", "topk_accuracy", "evaluate", "extract_features", "first_output", "fit",
    "most_confused_pairs",
    "per_class_accuracy", "predict",
]
