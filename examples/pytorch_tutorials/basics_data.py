"""PyTorch tutorial "Learn the Basics: Datasets & DataLoaders" (pytorch.org/tutorials/beginner/basics/data_tutorial).

Import swap: torch -> tinycnn, torch.utils.data -> tinycnn.utils.data,
torchvision.datasets / transforms / io -> tinycnn.data.datasets / transforms / io.
Deliberate changes: the data root (``$TINYCNN_DATA``, else ../shared/data; no download);
plots go to files (matplotlib's Agg backend, no window); the custom dataset reads the
ants/bees images through an annotations CSV this script writes (the tutorial's own folder
is not shipped), with the csv module in place of pandas (not installed here), and its
samples are read and batched at the end.
"""

import csv
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import tinycnn as torch
from tinycnn.data import datasets
from tinycnn.data.transforms import ToTensor
from tinycnn.utils.data import Dataset

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

# Iterating and Visualizing the Dataset
labels_map = {
    0: "T-Shirt",
    1: "Trouser",
    2: "Pullover",
    3: "Dress",
    4: "Coat",
    5: "Sandal",
    6: "Shirt",
    7: "Sneaker",
    8: "Bag",
    9: "Ankle Boot",
}
figure = plt.figure(figsize=(8, 8))
cols, rows = 3, 3
for i in range(1, cols * rows + 1):
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    img, label = training_data[sample_idx]
    figure.add_subplot(rows, cols, i)
    plt.title(labels_map[label])
    plt.axis("off")
    plt.imshow(img.squeeze(), cmap="gray")
plt.savefig("fashion_mnist_samples.png")

# Creating a Custom Dataset for your files
from tinycnn.data.io import decode_image


class CustomImageDataset(Dataset):
    def __init__(self, annotations_file, img_dir, transform=None, target_transform=None):
        with open(annotations_file, newline="") as f:  # pd.read_csv(annotations_file)
            self.img_labels = [(name, int(label)) for name, label in csv.reader(f)]
        self.img_dir = img_dir
        self.transform = transform
        self.target_transform = target_transform

    def __len__(self):
        return len(self.img_labels)

    def __getitem__(self, idx):
        img_path = os.path.join(self.img_dir, self.img_labels[idx][0])
        image = decode_image(img_path)
        label = self.img_labels[idx][1]
        if self.transform:
            image = self.transform(image)
        if self.target_transform:
            label = self.target_transform(label)
        return image, label


# Preparing your data for training with DataLoaders
from tinycnn.utils.data import DataLoader

train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)

# Iterate through the DataLoader
# Display image and label.
train_features, train_labels = next(iter(train_dataloader))
print(f"Feature batch shape: {train_features.size()}")
print(f"Labels batch shape: {train_labels.size()}")
img = train_features[0].squeeze()
label = train_labels[0]
plt.figure()
plt.imshow(img, cmap="gray")
plt.savefig("first_sample.png")
print(f"Label: {label}")

# tinycnn: the custom dataset on the ants/bees images (label 0: ants, 1: bees)
img_dir = os.path.join(DATA, "hymenoptera_data", "val")
with open("annotations.csv", "w", newline="") as f:
    writer = csv.writer(f)
    for label, folder in enumerate(["ants", "bees"]):
        for name in sorted(os.listdir(os.path.join(img_dir, folder)))[:8]:
            writer.writerow([f"{folder}/{name}", label])

from tinycnn.data import transforms

custom = CustomImageDataset("annotations.csv", img_dir,
                            transform=transforms.Compose([transforms.Resize((64, 64)),
                                                          transforms.Lambda(lambda x: x.float() / 255)]))
image, label = custom[0]
print(f"Custom dataset: {len(custom)} images; first {tuple(image.shape)} {image.dtype}, label {label}")
images, labels = next(iter(DataLoader(custom, batch_size=16, shuffle=True)))
print(f"Custom batch: {images.size()}, labels {labels.tolist()}")
