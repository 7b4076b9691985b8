"""PyTorch tutorial "Adversarial Example Generation" (pytorch.org/tutorials/beginner/fgsm_tutorial),
by Nathan Inkawhich: the fast gradient sign method against an MNIST LeNet.

Import swap: torch -> tinycnn, torch.nn -> tinycnn.nn, torch.nn.functional ->
tinycnn.functional, torch.optim -> tinycnn.optim, torchvision.datasets / transforms ->
tinycnn.data.datasets / transforms.
Deliberate changes: the data root (``$TINYCNN_DATA``, else ../shared/data; no download);
the tutorial loads a trained ``lenet_mnist_model.pth`` (from pytorch/examples' mnist), which
is not shipped: a few lines train the same Net briefly (Adadelta, as that example does) and
save it there; the attack runs on the first ``TUTORIAL_SUBSET`` test images (default 1000;
tutorial: all 10,000); plots go to files. ``TINYCNN_TUTORIAL_QUICK=1`` trains on 256 images
and attacks 20.
"""

import os

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import tinycnn as torch
import tinycnn.functional as F
import tinycnn.nn as nn
import tinycnn.optim as optim
from tinycnn.data import datasets, transforms

QUICK = os.environ.get("TINYCNN_TUTORIAL_QUICK") == "1"
SUBSET = int(os.environ.get("TUTORIAL_SUBSET", 20 if QUICK else 1000))
DATA = os.environ.get("TINYCNN_DATA", "../shared/data")

epsilons = [0, .05, .1, .15, .2, .25, .3]
use_cuda = True
# Set random seed for reproducibility
torch.manual_seed(42)
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


test_loader = torch.utils.data.DataLoader(
    torch.utils.data.Subset(datasets.MNIST(DATA, train=False, download=False, transform=transforms.Compose([
            transforms.ToTensor(),
            transforms.Normalize((0.1307,), (0.3081,)),
            ])), range(SUBSET)),
        batch_size=1, shuffle=True)

print("CUDA Available: ", torch.cuda.is_available())
# Define what device we are using
device = torch.device("cuda" if use_cuda and torch.cuda.is_available() else "cpu")

# Initialize the network
model = Net().to(device)

# tinycnn: train the Net briefly and save it where the tutorial loads it from
train_set = datasets.MNIST(DATA, train=True, transform=transforms.Compose([
    transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
train_set = torch.utils.data.Subset(train_set, range(256 if QUICK else 5000))
optimizer = optim.Adadelta(model.parameters(), lr=1.0)
model.train()
for data, target in torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True):
    optimizer.zero_grad()
    F.nll_loss(model(data), target).backward()
    optimizer.step()
torch.save(model.state_dict(), "lenet_mnist_model.pth")

# Load the pretrained model
model.load_state_dict(torch.load('lenet_mnist_model.pth', map_location=device, weights_only=True))

# Set the model in evaluation mode. In this case this is for the Dropout layers
model.eval()


def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon*sign_data_grad
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    return perturbed_image


def denorm(batch, mean=[0.1307], std=[0.3081]):
    if isinstance(mean, list):
        mean = torch.tensor(mean).to(device)
    if isinstance(std, list):
        std = torch.tensor(std).to(device)
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def test( model, device, test_loader, epsilon ):
    correct = 0
    adv_examples = []
    for data, target in test_loader:
        data, target = data.to(device), target.to(device)
        data.requires_grad = True
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]
        if init_pred.item() != target.item():
            continue
        loss = F.nll_loss(output, target)
        model.zero_grad()
        loss.backward()
        data_grad = data.grad.data
        data_denorm = denorm(data)
        perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
        perturbed_data_normalized = transforms.Normalize((0.1307,), (0.3081,))(perturbed_data)
        output = model(perturbed_data_normalized)
        final_pred = output.max(1, keepdim=True)[1]
        if final_pred.item() == target.item():
            correct += 1
            if epsilon == 0 and len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append( (init_pred.item(), final_pred.item(), adv_ex) )
        else:
            if len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append( (init_pred.item(), final_pred.item(), adv_ex) )
    final_acc = correct/float(len(test_loader))
    print(f"Epsilon: {epsilon}\tTest Accuracy = {correct} / {len(test_loader)} = {final_acc}")
    return final_acc, adv_examples


accuracies = []
examples = []
for eps in epsilons:
    acc, ex = test(model, device, test_loader, eps)
    accuracies.append(acc)
    examples.append(ex)

plt.figure(figsize=(5,5))
plt.plot(epsilons, accuracies, "*-")
plt.yticks(np.arange(0, 1.1, step=0.1))
plt.xticks(np.arange(0, .35, step=0.05))
plt.savefig("acc.png")
cnt = 0
plt.figure(figsize=(8,10))
for i in range(len(epsilons)):
    for j in range(len(examples[i])):
        cnt += 1
        plt.subplot(len(epsilons),len(examples[0]),cnt)
        plt.xticks([], [])
        plt.yticks([], [])
        if j == 0:
            plt.ylabel(f"Eps: {epsilons[i]}", fontsize=14)
        orig,adv,ex = examples[i][j]
        plt.title(f"{orig} -> {adv}")
        plt.imshow(ex, cmap="gray")
plt.tight_layout()
plt.savefig("ex.png")
