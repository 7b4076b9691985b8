"""PyTorch tutorial "Learn the Basics: Optimizing Model Parameters"
(pytorch.org/tutorials/beginner/basics/optimization_tutorial).

Import swap: torch -> tinycnn, torch.utils.data -> tinycnn.utils.data,
torchvision.datasets / transforms -> tinycnn.data.datasets / transforms.
Deliberate changes: the data root (``$TINYCNN_DATA``, else ../shared/data; no download), and
a shorter run when asked: ``TUTORIAL_SUBSET=N`` trains and tests on the first N images,
``TUTORIAL_EPOCHS=E`` sets the epochs (tutorial: 10), ``TINYCNN_TUTORIAL_QUICK=1`` does both tiny.
"""

import os

import tinycnn as torch
from tinycnn import nn
from tinycnn.data import datasets
from tinycnn.data.transforms import ToTensor
from tinycnn.utils.data import DataLoader, Subset

QUICK = os.environ.get("TINYCNN_TUTORIAL_QUICK") == "1"
SUBSET = int(os.environ.get("TUTORIAL_SUBSET", 256 if QUICK else 0))
DATA = os.environ.get("TINYCNN_DATA", "../shared/data")

training_data = datasets.FashionMNIST(
    root=DATA,
    train=True,
    download=False,
    transform=ToTensor()
)

test_data = datasets.FashionMNIST(
    root=DATA,
    train=False,
    download=False,
    transform=ToTensor()
)
if SUBSET:
    training_data, test_data = Subset(training_data, range(SUBSET)), Subset(test_data, range(SUBSET))

train_dataloader = DataLoader(training_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28*28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork()

# Hyperparameters
learning_rate = 1e-3
batch_size = 64
epochs = 5

# Initialize the loss function
loss_fn = nn.CrossEntropyLoss()

optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)


def train_loop(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    # Set the model to training mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        # Compute prediction and loss
        pred = model(X)
        loss = loss_fn(pred, y)

        # Backpropagation
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

        if batch % 100 == 0:
            loss, current = loss.item(), batch * batch_size + len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test_loop(dataloader, model, loss_fn):
    # Set the model to evaluation mode - important for batch normalization and dropout layers
    # Unnecessary in this situation but added for best practices
    model.eval()
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    test_loss, correct = 0, 0

    # Evaluating the model with torch.no_grad() ensures that no gradients are computed during test mode
    # also serves to reduce unnecessary gradient computations and memory usage for tensors with requires_grad=True
    with torch.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()

    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")


loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

epochs = int(os.environ.get("TUTORIAL_EPOCHS", 1 if QUICK else 10))
for t in range(epochs):
    print(f"Epoch {t+1}\n-------------------------------")
    train_loop(train_dataloader, model, loss_fn, optimizer)
    test_loop(test_dataloader, model, loss_fn)
print("Done!")
