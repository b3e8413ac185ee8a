"""The seed tutorial's CIFAR-10 classifier: LeNet-style CNN, cross-entropy, SGD + momentum.

``--data DIR`` is a CIFAR-10 "python version" folder (``cifar-10-batches-py`` or its parent)
or a JPEG/PNG tree in ImageFolder layout (``DIR/train/<class>/*.png`` and ``DIR/test/...``);
without ``--data`` (or with ``--fake``) it runs on torchvision-style FakeData so it needs no
download. Prints per-class accuracy like the tutorial.

Run: python examples/cifar10_tutorial.py --data ~/data/cifar-10-batches-py [--epochs 2]
"""
from __future__ import annotations

import os

import ember as torch
import ember.nn as nn
import ember.nn.functional as F
import ember.optim as optim
from ember.utils.data import DataLoader, Subset
from ember.vision import datasets, transforms

from common import (evaluate, get_device, log, make_parser, png_path, save_curves,
                    train_epoch)

classes = ('plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck')


class Net(nn.Module):
    """The tutorial's network: two conv/pool stages and three Linear layers."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = x.view(-1, 16 * 5 * 5)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


def load_datasets(args, transform):
    """(trainset, testset) from --data (python batches or an image tree) or FakeData."""
    if args.fake or args.data is None:
        print("no --data given: training on FakeData (random images, so expect ~10% accuracy)")
        return (datasets.FakeData(size=500, image_size=(3, 32, 32), transform=transform),
                datasets.FakeData(size=100, image_size=(3, 32, 32), transform=transform,
                                  random_offset=10 ** 6))
    root = os.path.expanduser(args.data)
    if os.path.basename(os.path.normpath(root)) == "cifar-10-batches-py":
        root = os.path.dirname(os.path.normpath(root))
    if os.path.isdir(os.path.join(root, "cifar-10-batches-py")):
        return (datasets.CIFAR10(root, train=True, transform=transform),
                datasets.CIFAR10(root, train=False, transform=transform))
    if os.path.isdir(os.path.join(root, "train")):
        tf = transforms.Compose([transforms.Resize((32, 32)), transform])
        return (datasets.ImageFolder(os.path.join(root, "train"), transform=tf),
                datasets.ImageFolder(os.path.join(root, "test"), transform=tf))
    raise SystemExit(f"--data {args.data}: expected cifar-10-batches-py/ or train/ and test/")


def per_class_accuracy(net, loader, device):
    """Accuracy (in %) of each class, as the tutorial prints at the end."""
    correct, total = [0] * 10, [0] * 10
    net.eval()
    with torch.no_grad():
        for images, labels in loader:
            predicted = net(images.to(device)).argmax(1).cpu()
            for label, ok in zip(labels.tolist(), (predicted == labels).tolist()):
                correct[label] += ok
                total[label] += 1
    return [100.0 * c / t if t else 0.0 for c, t in zip(correct, total)]


def main():
    parser = make_parser(__doc__.splitlines()[0], epochs=2, lr=1e-3, batch_size=4,
                         data_help="CIFAR-10 python-batch folder or image tree (see above)")
    parser.add_argument("--fake", action="store_true", help="use FakeData instead of --data")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    device = get_device(args.device)

    # PIL images in [0, 1] -> tensors normalised to [-1, 1]
    transform = transforms.Compose([transforms.ToTensor(),
                                    transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset, testset = load_datasets(args, transform)
    if args.limit is not None:
        trainset = Subset(trainset, range(min(args.limit, len(trainset))))
        testset = Subset(testset, range(min(max(args.limit // 4, 10), len(testset))))
    trainloader = DataLoader(trainset, batch_size=args.batch_size, shuffle=True)
    testloader = DataLoader(testset, batch_size=100, shuffle=False)

    net = Net().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    losses, test_acc = [], []
    for epoch in range(args.epochs):
        losses.append(train_epoch(net, trainloader, criterion, optimizer, device,
                                  desc=f"epoch {epoch + 1}/{args.epochs}"))
        test_acc.append(evaluate(net, testloader, device))
        log(f"[{epoch + 1}] loss: {losses[-1]:.3f}  test accuracy: {test_acc[-1]:.1f} %")
    print('Finished Training')

    print(f'Accuracy of the network on the {len(testset)} test images: {test_acc[-1]:.0f} %')
    for name, acc in zip(classes, per_class_accuracy(net, testloader, device)):
        print(f'Accuracy of {name:5s} : {acc:3.0f} %')
    images, _ = next(iter(testloader))
    save_curves(png_path(args, __file__), {"training loss": {"train": losses},
                                           "test accuracy (%)": {"test": test_acc}},
                title="CIFAR-10 tutorial network", images=(images[:16] * 0.5 + 0.5).numpy(),
                image_title="test images")


if __name__ == "__main__":
    main()
