"""The plain networks of the data-free benchmarks: VGG-11-BN and MobileNetV2 for 32 px images,
and LeNet-5 / LeNet-5-half for 28 px MNIST digits (DAFL, DFAD)."""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn


# --------------------------------------------------------------------------- VGG-11-BN

VGG11 = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")


class VGG(nn.Module):
    def __init__(self, cfg, num_classes: int, in_channels: int = 3):
        super().__init__()
        layers, c = [], in_channels
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(2))
            else:
                layers += [nn.Conv2d(c, v, 3, padding=1, bias=False), nn.BatchNorm2d(v),
                           nn.ReLU(inplace=True)]
                c = v
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


def vgg11_bn(num_classes: int, in_channels: int = 3) -> nn.Module:
    return VGG(VGG11, num_classes, in_channels)


# ------------------------------------------------------------------------- MobileNetV2

# (expansion, out channels, blocks, stride); the second stage keeps stride 1 for 32 px input
MOBILENETV2_32PX = ((1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2),
                    (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


class InvertedResidual(nn.Module):
    def __init__(self, in_planes: int, planes: int, expansion: int, stride: int):
        super().__init__()
        hidden = in_planes * expansion
        self.use_residual = stride == 1 and in_planes == planes
        self.conv = nn.Sequential(
            nn.Conv2d(in_planes, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(True),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(True),
            nn.Conv2d(hidden, planes, 1, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.conv(x)
        return x + out if self.use_residual else out


class MobileNetV2(nn.Module):
    def __init__(self, num_classes: int, in_channels: int = 3):
        super().__init__()
        layers = [nn.Conv2d(in_channels, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32),
                  nn.ReLU6(True)]
        c = 32
        for expansion, planes, n, stride in MOBILENETV2_32PX:
            for s in [stride] + [1] * (n - 1):
                layers.append(InvertedResidual(c, planes, expansion, s))
                c = planes
        layers += [nn.Conv2d(c, 1280, 1, bias=False), nn.BatchNorm2d(1280), nn.ReLU6(True)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, num_classes)

    def forward(self, x):
        return self.classifier(F.adaptive_avg_pool2d(self.features(x), 1).flatten(1))


def mobilenetv2(num_classes: int, in_channels: int = 3) -> nn.Module:
    return MobileNetV2(num_classes, in_channels)


# ------------------------------------------------------------------------------ LeNet-5

class LeNet5(nn.Module):
    """LeNet-5 for 28x28 input: conv5x5(pad 2) - pool - conv5x5 - pool - fc - fc - fc."""

    def __init__(self, num_classes: int, in_channels: int = 1, width: float = 1.0):
        super().__init__()
        c1, c2, f1, f2 = (round(v * width) for v in (6, 16, 120, 84))
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Linear(c2 * 5 * 5, f1), nn.ReLU(inplace=True),
            nn.Linear(f1, f2), nn.ReLU(inplace=True),
            nn.Linear(f2, num_classes))

    def forward(self, x):
        if x.shape[-2:] != (28, 28):
            raise ValueError(f"LeNet-5 takes 28x28 images, got {tuple(x.shape[-2:])}")
        return self.classifier(self.features(x).flatten(1))


def lenet5(num_classes: int, in_channels: int = 1) -> nn.Module:
    return LeNet5(num_classes, in_channels, 1.0)


def lenet5_half(num_classes: int, in_channels: int = 1) -> nn.Module:
    return LeNet5(num_classes, in_channels, 0.5)
