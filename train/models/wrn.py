"""Wide ResNets (Zagoruyko & Komodakis 2016) for 32 px images: WRN-16-2 and WRN-40-2.

Pre-activation blocks, widths 16, 16k, 32k, 64k, no dropout. Parameter names follow the layout
of the CRD/RepDistiller code base (`conv1, block1.layer.0.bn1, ..., bn1, fc`), the one the
KD literature's WRN checkpoints are published in.
"""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn


class PreActBlock(nn.Module):
    def __init__(self, in_planes: int, planes: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(in_planes)
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.equal_in_out = in_planes == planes and stride == 1
        self.convShortcut = None if self.equal_in_out else nn.Conv2d(
            in_planes, planes, 1, stride, 0, bias=False)

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        out = self.conv2(F.relu(self.bn2(self.conv1(pre))))
        # the projection shortcut sees the pre-activated input, as in the paper's code
        return out + (x if self.equal_in_out else self.convShortcut(pre))


class NetworkBlock(nn.Module):
    def __init__(self, n: int, in_planes: int, planes: int, stride: int):
        super().__init__()
        self.layer = nn.Sequential(*[
            PreActBlock(in_planes if i == 0 else planes, planes, stride if i == 0 else 1)
            for i in range(n)])

    def forward(self, x):
        return self.layer(x)


class WideResNet(nn.Module):
    def __init__(self, depth: int, widen: int, num_classes: int, in_channels: int = 3):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"WRN depth must be 6n+4, got {depth}")
        n = (depth - 4) // 6
        widths = (16, 16 * widen, 32 * widen, 64 * widen)
        self.conv1 = nn.Conv2d(in_channels, widths[0], 3, 1, 1, bias=False)
        self.block1 = NetworkBlock(n, widths[0], widths[1], 1)
        self.block2 = NetworkBlock(n, widths[1], widths[2], 2)
        self.block3 = NetworkBlock(n, widths[2], widths[3], 2)
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.fc = nn.Linear(widths[3], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = F.relu(self.bn1(out))
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))


def wrn16_2(num_classes: int, in_channels: int = 3) -> nn.Module:
    return WideResNet(16, 2, num_classes, in_channels)


def wrn40_2(num_classes: int, in_channels: int = 3) -> nn.Module:
    return WideResNet(40, 2, num_classes, in_channels)
