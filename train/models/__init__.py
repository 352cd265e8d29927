"""The model registry: `create_model(name, num_classes, in_channels)` for the architectures the
data-free KD literature compares, plus torchvision's ImageNet models as `tv:<name>`.

Every network here takes *normalised* input. Everything outside the model works on images in
[0, 1]; `Normalized` wraps a network with its mean and std so callers never normalise by hand.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import torch
from torch import nn

from .resnet import he_resnet, resnet18, resnet34
from .small import lenet5, lenet5_half, mobilenetv2, vgg11_bn
from .wrn import wrn16_2, wrn40_2


class UnknownModelError(ValueError):
    """The architecture name is not in the registry."""


@dataclass(frozen=True)
class ModelEntry:
    build: Callable[[int, int], nn.Module]   # (num_classes, in_channels) -> module
    input_size: int                          # the side in px the architecture is made for


REGISTRY: dict[str, ModelEntry] = {
    "resnet18": ModelEntry(resnet18, 32),
    "resnet34": ModelEntry(resnet34, 32),
    **{f"resnet{d}": ModelEntry(he_resnet(d), 32) for d in (8, 20, 32, 44, 56)},
    "wrn16_2": ModelEntry(wrn16_2, 32),
    "wrn40_2": ModelEntry(wrn40_2, 32),
    "vgg11_bn": ModelEntry(vgg11_bn, 32),
    "mobilenetv2": ModelEntry(mobilenetv2, 32),
    "lenet5": ModelEntry(lenet5, 28),
    "lenet5_half": ModelEntry(lenet5_half, 28),
}
TORCHVISION_PREFIX = "tv:"


def list_models(include_torchvision: bool = True) -> list[str]:
    names = list(REGISTRY)
    if include_torchvision:
        import torchvision
        names += [TORCHVISION_PREFIX + n
                  for n in torchvision.models.list_models(module=torchvision.models)]
    return names


def default_input_size(name: str) -> int:
    """The image side an architecture is built for (32 for CIFAR nets, 28 for LeNets,
    224 for torchvision's ImageNet models)."""
    if name.startswith(TORCHVISION_PREFIX):
        return 224
    return _entry(name).input_size


def check_model_name(name: str) -> None:
    """UnknownModelError unless `create_model(name, ...)` knows the architecture."""
    if not isinstance(name, str):
        raise UnknownModelError(f"an architecture is named by a string, not {name!r}")
    if name.startswith(TORCHVISION_PREFIX):
        _torchvision_name(name[len(TORCHVISION_PREFIX):])
    else:
        _entry(name)


def create_model(name: str, num_classes: int, in_channels: int = 3) -> nn.Module:
    """A freshly initialised network (no weights are downloaded, `tv:` models included)."""
    check_model_name(name)
    if num_classes < 1 or in_channels < 1:
        raise ValueError(f"num_classes and in_channels must be positive, got "
                         f"{num_classes} and {in_channels} for {name!r}")
    if name.startswith(TORCHVISION_PREFIX):
        return _torchvision_model(name[len(TORCHVISION_PREFIX):], num_classes, in_channels)
    return _entry(name).build(num_classes, in_channels)


def _entry(name: str) -> ModelEntry:
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownModelError(
            f"unknown architecture {name!r}; choose one of {', '.join(REGISTRY)} "
            f"or a torchvision model as 'tv:<name>' (e.g. tv:resnet50)") from None


def _torchvision_name(name: str) -> None:
    import torchvision
    if name not in torchvision.models.list_models(module=torchvision.models):
        raise UnknownModelError(
            f"torchvision has no classification model {name!r}; see "
            f"torchvision.models.list_models(module=torchvision.models)")


def _torchvision_model(name: str, num_classes: int, in_channels: int) -> nn.Module:
    import torchvision
    net = torchvision.models.get_model(name, weights=None, num_classes=num_classes)
    if in_channels != 3:
        _replace_first_conv(net, in_channels)
    return net


def _replace_first_conv(net: nn.Module, in_channels: int) -> None:
    for module_name, module in net.named_modules():
        if isinstance(module, nn.Conv2d):
            parent_name, _, attr = module_name.rpartition(".")
            parent = net.get_submodule(parent_name) if parent_name else net
            setattr(parent, attr, nn.Conv2d(
                in_channels, module.out_channels, module.kernel_size, module.stride,
                module.padding, module.dilation, module.groups, module.bias is not None,
                module.padding_mode))
            return
    raise UnknownModelError("cannot change the input channels: the model has no Conv2d")


class Normalized(nn.Module):
    """`net` behind its input normalisation: takes images in [0, 1], shape (N, C, H, W).

    mean and std are non-persistent buffers: they move with `.to()` but the state dict holds
    only `net.*` (the card carries them)."""

    def __init__(self, net: nn.Module, mean: Sequence[float], std: Sequence[float]):
        super().__init__()
        if len(mean) != len(std):
            raise ValueError(f"mean has {len(mean)} values but std has {len(std)}")
        if any(s <= 0 for s in std):
            raise ValueError(f"std must be positive, got {list(std)}")
        self.net = net
        shape = (1, len(mean), 1, 1)
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(shape), False)
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32).view(shape), False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net((x - self.mean.to(x.dtype)) / self.std.to(x.dtype))


__all__ = ["Normalized", "UnknownModelError", "check_model_name", "create_model", "default_input_size",
           "list_models", "REGISTRY"]
