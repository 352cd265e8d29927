"""ResNets for 32 px images, in the two layouts the data-free literature uses.

- `CifarResNet` (ResNet-18/34): the ImageNet ResNet with a 3x3 stride-1 stem and no max-pool,
  widths 64..512, projection shortcuts (the layout of DAFL, DFAD, CMI and most KD benchmarks).
- `HeResNet` (ResNet-20/32/44/56): He et al. 2016, section 4.2: 6n+2 layers, widths 16/32/64,
  option-A shortcuts (stride-2 subsampling plus zero-padded channels, no parameters). Parameter
  names follow Y. Idelbayev's widely shared checkpoints (`conv1, bn1, layer1.0.conv1, ...,
  linear`) so that they load as plain state dicts.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn


# ----------------------------------------------------------------- CIFAR ResNet-18/34

class BasicBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    def __init__(self, blocks: tuple[int, ...], num_classes: int, in_channels: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        layers, in_planes = [], 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), blocks)):
            stride = 1 if i == 0 else 2
            stage = []
            for s in [stride] + [1] * (n - 1):
                stage.append(BasicBlock(in_planes, planes, s))
                in_planes = planes
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.linear = nn.Linear(512, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


# ------------------------------------------------------- He et al. ResNet-20/32/44/56

class ShortcutA(nn.Module):
    """Option A: subsample by 2 and zero-pad the new channels; no parameters."""

    def __init__(self, planes: int):
        super().__init__()
        self.pad = planes // 4

    def forward(self, x):
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class BlockA(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Identity()
        if stride != 1 or in_planes != planes:
            self.shortcut = ShortcutA(planes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class HeResNet(nn.Module):
    def __init__(self, depth: int, num_classes: int, in_channels: int = 3):
        super().__init__()
        if (depth - 2) % 6:
            raise ValueError(f"He et al. CIFAR ResNet depth must be 6n+2, got {depth}")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, in_planes = [], 16
        for i, planes in enumerate((16, 32, 64)):
            stride = 1 if i == 0 else 2
            stage = []
            for s in [stride] + [1] * (n - 1):
                stage.append(BlockA(in_planes, planes, s))
                in_planes = planes
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


def resnet18(num_classes: int, in_channels: int = 3) -> nn.Module:
    return CifarResNet((2, 2, 2, 2), num_classes, in_channels)


def resnet34(num_classes: int, in_channels: int = 3) -> nn.Module:
    return CifarResNet((3, 4, 6, 3), num_classes, in_channels)


def he_resnet(depth: int):
    def build(num_classes: int, in_channels: int = 3) -> nn.Module:
        return HeResNet(depth, num_classes, in_channels)
    build.__name__ = f"resnet{depth}"
    return build


