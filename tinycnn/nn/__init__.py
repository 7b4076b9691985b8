"""Layers and models (``tinycnn.nn``), with PyTorch's names, arguments and defaults.

`Module` and `Parameter` are the building blocks; layers hold parameters and call the
stateless functions of `tinycnn.functional` (also importable as ``tinycnn.nn.functional``).
"""

from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, ReLU6, Sigmoid, Softmax, Tanh
from .activation_more import ELU, Hardswish, PReLU, SiLU, Softplus
from .containers import Identity, ModuleDict, ModuleList, Sequential
from .conv import Conv2d
from .conv_more import Conv1d, ConvTranspose2d
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .loss_more import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d
from .pooling import AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d
from .sample_norm import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .summary import Summary, summary
from .upsample import Upsample
from .utils import freeze, unfreeze

__all__ = [
    "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "Conv2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "Flatten", "GELU",
    "Identity", "IncompatibleKeys", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss",
    "MaxPool2d", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter", "ReLU", "ReLU6",
    "RemovableHandle", "Sequential", "Sigmoid", "Softmax", "StateDictError", "Summary", "Tanh",
    "Upsample",
    "ELU", "Hardswish", "HuberLoss", "KLDivLoss", "L1Loss", "PReLU", "SiLU", "SmoothL1Loss",
    "Softplus", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm", "Conv1d",
    "ConvTranspose2d", "Embedding", "Fold", "Unflatten", "Unfold",
    "freeze", "functional", "init", "summary", "unfreeze", "utils",
]
