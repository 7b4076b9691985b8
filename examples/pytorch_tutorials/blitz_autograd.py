"""PyTorch 60-minute blitz, part 2: "A Gentle Introduction to torch.autograd"
(pytorch.org/tutorials/beginner/blitz/autograd_tutorial).

Import swap: torch -> tinycnn, torchvision.models -> tinycnn.models.
Deliberate change: ``resnet18(weights=None)`` instead of ``weights=ResNet18_Weights.DEFAULT``
(no ImageNet weights offline; the autograd lesson does not depend on them).
"""

import tinycnn as torch
from tinycnn.models import resnet18

model = resnet18(weights=None)
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

prediction = model(data)  # forward pass

loss = (prediction - labels).sum()
loss.backward()  # backward pass

optim = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)

optim.step()  # gradient descent

# Differentiation in Autograd
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

Q = 3*a**3 - b**2

external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)

# Exclusion from the DAG
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

from tinycnn import nn, optim

model = resnet18(weights=None)

# Freeze all the parameters in the network
for param in model.parameters():
    param.requires_grad = False

model.fc = nn.Linear(512, 10)

# Optimize only the classifier
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
