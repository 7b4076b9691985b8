"""PyTorch tutorial "Learn the Basics: Save and Load the Model"
(pytorch.org/tutorials/beginner/basics/saveloadrun_tutorial).

Import swap: torch -> tinycnn, torchvision.models -> tinycnn.models.
Deliberate changes: ``weights=None`` for ``vgg16(weights='IMAGENET1K_V1')`` (no ImageNet
weights offline); ``TINYCNN_TUTORIAL_QUICK=1`` uses resnet18 instead of vgg16 (a 45 MB file,
not 550 MB); the last section (saving the whole model with pickle, ``torch.save(model, ...)``)
is refused by design: tinycnn files hold arrays only (see docs/porting.md), so it is shown
as a comment.
"""

import os

import tinycnn as torch
import tinycnn.models as models

QUICK = os.environ.get("TINYCNN_TUTORIAL_QUICK") == "1"
if QUICK:
    models.vgg16 = models.resnet18

# Saving and Loading Model Weights
model = models.vgg16(weights=None)
torch.save(model.state_dict(), 'model_weights.pth')

model = models.vgg16()  # we do not specify ``weights``, i.e. create untrained model
print(model.load_state_dict(torch.load('model_weights.pth', weights_only=True)))
model.eval()

# Saving and Loading Models with Shapes -- refused by design in tinycnn (arrays only):
# torch.save(model, 'model.pth')
# model = torch.load('model.pth', weights_only=False)
