"""Layers and models (``tinycnn.nn``), with PyTorch's names, arguments and defaults.

`Module` and `Parameter` are the building blocks; layers hold parameters and call the
stateless functions of `tinycnn.functional` (also importable as ``tinycnn.nn.functional``).
"""

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softplus,
    Tanh,
)
from .containers import (
    Identity,
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .distance import CosineSimilarity
from .dropout import Dropout, Dropout2d
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .fold import Fold, Unfold
from .linear import Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError
from .normalization import BatchNorm1d, BatchNorm2d
from .padding import ConstantPad2d, ReflectionPad2d, ReplicationPad2d, ZeroPad2d
from .parallel import DataParallel
from .pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .sample_norm import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .summary import Summary, summary
from .upsample import PixelShuffle, Upsample
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
    "AdaptiveAvgPool1d", "AdaptiveMaxPool1d", "AvgPool1d", "ConstantPad2d", "CosineSimilarity",
    "Hardsigmoid", "Hardtanh", "MaxPool1d", "Mish", "ParameterDict", "ParameterList",
    "PixelShuffle", "ReflectionPad2d", "ReplicationPad2d", "Softmax2d", "ZeroPad2d",
    "DataParallel",
]
