"""Real labelled images by a short spec, as uint8 tensors.

    mnist:ROOT[:train|test]     torchvision MNIST (ROOT holds MNIST/raw/)
    cifar10:ROOT[:train|test]   torchvision CIFAR-10 (python pickles under ROOT)
    cifar100:ROOT[:train|test]  torchvision CIFAR-100
    svhn:ROOT[:train|test|extra]
    folder:DIR                  an ImageFolder tree DIR/<class>/<image>
    tar:PATH                    a .tar / .tar.gz of <class>/<image> members (e.g. the CIFAR-10
                                JPEG splits), decoded in memory; nothing in it is executed

The split defaults to `test`. Class names sort into labels (`folder:` and `tar:`), as
torchvision's ImageFolder does; `align_to_classes(data, card_classes)` then renumbers them to a
model's classes, by name where the folder names are the model's class names (see its docstring). torchvision sets are downloaded only when they are absent, and
a machine that is offline gets `DatasetNotFoundError` naming the root.

Every dataset is held decoded in memory as uint8, shape (C, H, W) per image, so that a trainer
can move the whole set to its device and augment on it in batches. Sets whose images differ in
size (some folders) keep a list of tensors instead of one stacked tensor.
"""
from __future__ import annotations

import io
import logging
import tarfile
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from PIL import Image
from torch.utils.data import Dataset

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 64 * 2**20   # one encoded image; far above any photo a classifier is scored on
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm",
                  ".pgm")


class DatasetError(ValueError):
    """A dataset spec or its files are unusable."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """The files a spec points at are absent (and could not be downloaded)."""


class LabeledImages(Dataset):
    """Images with integer labels. `dataset[i]` is `(uint8 tensor C x H x W, int label)`,
    or whatever `transform` makes of the uint8 tensor.

    `images` is one uint8 tensor (N, C, H, W) when all images share a size, else a list of
    (C, H, W) tensors; `labels` is an int64 tensor (N,); `classes[label]` is the class name."""

    def __init__(self, images: torch.Tensor | list[torch.Tensor], labels: torch.Tensor,
                 classes: Sequence[str], *, source: str = "",
                 transform: Callable[[torch.Tensor], torch.Tensor] | None = None):
        if len(images) != len(labels):
            raise DatasetError(f"{source}: {len(images)} images but {len(labels)} labels")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(classes)):
            raise DatasetError(f"{source}: labels outside 0..{len(classes) - 1}")
        self.images = images
        self.labels = labels.long()
        self.classes = list(classes)
        self.source = source
        self.transform = transform
        self.label_note: str | None = None   # how align_to_classes assigned the labels

    @property
    def stacked(self) -> bool:
        return isinstance(self.images, torch.Tensor)

    @property
    def channels(self) -> int:
        return int(self.images[0].shape[0])

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        image = self.images[i]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[i])

    def __repr__(self) -> str:
        shape = tuple(self.images.shape[1:]) if self.stacked else "mixed sizes"
        return f"LabeledImages({self.source!r}, n={len(self)}, classes={len(self.classes)}, {shape})"


def open_dataset(spec: str, *, train_transform: Callable | None = None) -> LabeledImages:
    """Open a dataset by spec (see the module docstring). `train_transform`, if given, is
    applied to each uint8 (C, H, W) image in `__getitem__`."""
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise DatasetError(f"dataset spec {spec!r} must look like KIND:PATH[:SPLIT] with KIND "
                           f"one of {', '.join(OPENERS)}")
    opener = OPENERS.get(kind)
    if opener is None:
        raise DatasetError(f"unknown dataset kind {kind!r} in {spec!r}; use one of "
                           f"{', '.join(OPENERS)}")
    data = opener(rest, spec)
    data.transform = train_transform
    log.info("opened %r", data)
    return data


# ------------------------------------------------------------------------- torchvision

def _split(rest: str, spec: str, allowed: tuple[str, ...]) -> tuple[str, str]:
    root, sep, split = rest.rpartition(":")
    if sep and split in allowed:
        return root, split
    if sep and split.isalpha():
        raise DatasetError(f"{spec!r}: split {split!r} is not one of {', '.join(allowed)}")
    return rest, "test"


def _torchvision(kind: str, make: Callable[[str, str, bool], object],
                 allowed=("train", "test")):
    def opener(rest: str, spec: str) -> LabeledImages:
        root, split = _split(rest, spec, allowed)
        try:
            ds = make(root, split, False)
        except RuntimeError:  # torchvision's "Dataset not found" (files absent or corrupt)
            log.info("%s not found under %s; trying to download it", kind, root)
            try:
                ds = make(root, split, True)
            except Exception as exc:  # network errors come in many types (URLError, OSError, ...)
                raise DatasetNotFoundError(
                    f"{spec!r}: {kind} ({split}) is not under {root!r} and downloading it "
                    f"failed ({type(exc).__name__}: {exc}). Put the files there (torchvision's "
                    f"layout) or run once on a machine that is online.") from exc
        images, labels, classes = _arrays(kind, ds)
        return LabeledImages(images, labels, classes, source=spec)
    return opener


def _arrays(kind: str, ds) -> tuple[torch.Tensor, torch.Tensor, list[str]]:
    if kind == "mnist":
        images = ds.data.unsqueeze(1).to(torch.uint8)            # (N, 28, 28) -> (N, 1, 28, 28)
        return images, ds.targets.long(), [c.split(" - ")[-1] for c in ds.classes]
    if kind == "svhn":                                           # (N, 3, 32, 32) already
        return torch.from_numpy(ds.data), torch.as_tensor(ds.labels), [str(i) for i in range(10)]
    images = torch.from_numpy(np.ascontiguousarray(ds.data.transpose(0, 3, 1, 2)))  # NHWC->NCHW
    return images, torch.as_tensor(ds.targets), list(ds.classes)


def _mnist(root, split, download):
    import torchvision
    return torchvision.datasets.MNIST(root, train=split == "train", download=download)


def _cifar10(root, split, download):
    import torchvision
    return torchvision.datasets.CIFAR10(root, train=split == "train", download=download)


def _cifar100(root, split, download):
    import torchvision
    return torchvision.datasets.CIFAR100(root, train=split == "train", download=download)


def _svhn(root, split, download):
    import torchvision
    return torchvision.datasets.SVHN(root, split=split, download=download)


# -------------------------------------------------------------------- folder and tar

def _decode(data: bytes, where: str) -> np.ndarray:
    try:
        with warnings.catch_warnings():
            # PIL only warns up to twice its pixel limit: a decompression bomb is an error here
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:
                im = im.convert("L" if im.mode in ("1", "L", "I;16", "I", "F") else "RGB")
                return np.array(im)
    except Exception as exc:  # PIL raises several types for a bad image
        raise DatasetError(f"{where}: cannot decode image ({type(exc).__name__}: {exc})") from exc


def _assemble(samples: list[tuple[str, np.ndarray]], spec: str) -> LabeledImages:
    """samples: (class name, HxW or HxWx3 uint8 array) in a stable order."""
    if not samples:
        raise DatasetError(f"{spec!r}: no images found (expected <class>/<image> files with "
                           f"one of the suffixes {', '.join(IMAGE_SUFFIXES)})")
    classes = sorted({c for c, _ in samples})
    index = {c: i for i, c in enumerate(classes)}
    colour = any(a.ndim == 3 for _, a in samples)
    tensors = []
    for _, a in samples:
        if colour and a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        t = torch.from_numpy(np.ascontiguousarray(a))
        tensors.append(t.permute(2, 0, 1) if t.ndim == 3 else t.unsqueeze(0))
    labels = torch.tensor([index[c] for c, _ in samples])
    same_size = len({t.shape for t in tensors}) == 1
    images = torch.stack(tensors) if same_size else tensors
    return LabeledImages(images, labels, classes, source=spec)


def _open_folder(rest: str, spec: str) -> LabeledImages:
    root = Path(rest)
    if not root.is_dir():
        raise DatasetNotFoundError(f"{spec!r}: {root} is not a directory; give an ImageFolder "
                                   f"directory holding one sub-directory per class")
    samples = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(class_dir.rglob("*")):
            if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES:
                if f.stat().st_size > MAX_IMAGE_BYTES:
                    raise DatasetError(f"{f} is {f.stat().st_size:,} bytes; an image here is at most "
                                       f"{MAX_IMAGE_BYTES:,}")
                samples.append((class_dir.name, _decode(f.read_bytes(), str(f))))
    return _assemble(samples, spec)


def _open_tar(rest: str, spec: str) -> LabeledImages:
    path = Path(rest)
    if not path.is_file():
        raise DatasetNotFoundError(f"{spec!r}: {path} does not exist; give a .tar or .tar.gz "
                                   f"of <class>/<image> members")
    samples = []
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                name = member.name
                if not member.isfile() or not name.lower().endswith(IMAGE_SUFFIXES):
                    continue
                parts = [p for p in name.split("/") if p not in ("", ".")]
                if len(parts) < 2:
                    raise DatasetError(f"{path}: member {name!r} is not inside a class "
                                       f"directory (<class>/<image>)")
                if member.size > MAX_IMAGE_BYTES:   # a gzip bomb inflates only as it is read
                    raise DatasetError(f"{path}: member {name!r} is {member.size:,} bytes; an image "
                                       f"here is at most {MAX_IMAGE_BYTES:,}")
                data = tar.extractfile(member).read()
                samples.append((parts[-2], name, _decode(data, f"{path}:{name}")))
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise DatasetError(f"{spec!r}: {path} is not a readable tar archive, or is truncated "
                           f"({type(exc).__name__}: {exc})") from exc
    samples.sort(key=lambda s: (s[0], s[1]))   # tar order is whatever the writer chose
    return _assemble([(c, a) for c, _, a in samples], spec)


# ------------------------------------------------------------- labels against a model's classes

def _norm(name: str) -> str:
    """Folder and class names compared without case, spacing or separators: "Pickup_Truck" =
    "pickup truck"."""
    return " ".join(name.replace("_", " ").replace("-", " ").split()).casefold()


def align_to_classes(data: LabeledImages, classes: Sequence[str]) -> LabeledImages:
    """`data` relabelled so that label i means `classes[i]` (a model card's class names), with
    `label_note` saying how; `folder:` and `tar:` sets only (torchvision sets keep their labels).

    In order: every folder name is one of `classes` (exactly, then ignoring case, spaces, `_` and
    `-`): matched by name, a subset of the classes is fine. Else every folder name is a class
    index 0..len(classes)-1 (`0` ... `9`): matched by index. Else, when no folder name matches
    any class and there are exactly len(classes) folders: the sorted folder order, as
    ImageFolder does, and the note lists the pairs. Anything else (some names match and some do
    not, two folders for one class, more folders than classes) is ambiguous: DatasetError."""
    classes = list(classes)
    if data.source.partition(":")[0] not in ("folder", "tar"):
        data.label_note = None
        return data
    folders, where = list(data.classes), data.source
    mapping, how = _match_names(folders, classes, where)
    if mapping is None and all(f.isdecimal() for f in folders):
        indices = [int(f) for f in folders]
        if len(set(indices)) != len(indices) or max(indices) >= len(classes):
            raise DatasetError(f"{where}: the class folders are numbers ({_listing(folders)}) but not "
                               f"distinct class indices 0..{len(classes) - 1} of the model's classes "
                               f"({_listing(classes)}); rename them")
        mapping, how = indices, "folder names read as class indices"
    if mapping is None:
        if len(folders) != len(classes):
            raise DatasetError(
                f"{where}: its {len(folders)} class folders ({_listing(folders)}) cannot be matched to "
                f"the model's {len(classes)} classes ({_listing(classes)}): no folder is named after a "
                f"class. Name the folders after the model's classes (or 0..{len(classes) - 1})")
        mapping = list(range(len(folders)))
        pairs = ", ".join(f"{f}={c}" for f, c in zip(folders, classes))
        how = (f"no folder is named after a model class, so labels follow the sorted folder "
               f"order: {pairs}. If that is wrong, name the folders after the classes")
        log.warning("%s: %s", where, how)
    labels = torch.tensor(mapping, dtype=torch.long)[data.labels]
    aligned = LabeledImages(data.images, labels, classes, source=where, transform=data.transform)
    aligned.label_note = f"labels: {how}"
    return aligned


def _match_names(folders: list[str], classes: list[str], where: str):
    """(label of each folder, how) by exact then normalised name, or (None, "") when no folder
    name is a class; DatasetError when only some are, or two folders claim one class."""
    for how, key in (("folder names matched to the model's class names", lambda n: n),
                     ("folder names matched to the model's class names (ignoring case, spaces, "
                      "'_' and '-')", _norm)):
        index: dict[str, int] = {}
        for i, c in enumerate(classes):
            if key(c) in index:
                raise DatasetError(f"{where}: the model's classes {classes[index[key(c)]]!r} and {c!r} "
                                   f"cannot be told apart by folder name")
            index[key(c)] = i
        found = [index.get(key(f)) for f in folders]
        if all(i is not None for i in found):
            if len(set(found)) != len(found):
                dup = [f for f in folders if found.count(index[key(f)]) > 1]
                raise DatasetError(f"{where}: folders {_listing(dup)} all name one model class; "
                                   f"merge them or rename one")
            return found, how
    found = [index.get(_norm(f)) for f in folders]
    if any(i is not None for i in found):
        unmatched = [f for f, i in zip(folders, found) if i is None]
        raise DatasetError(
            f"{where}: some class folders are named after the model's classes but "
            f"{_listing(unmatched)} {'is' if len(unmatched) == 1 else 'are'} not, so the labels are "
            f"ambiguous. The model's classes: {_listing(classes)}; rename or remove those folders")
    return None, ""


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


OPENERS: dict[str, Callable[[str, str], LabeledImages]] = {
    "mnist": _torchvision("mnist", _mnist),
    "cifar10": _torchvision("cifar10", _cifar10),
    "cifar100": _torchvision("cifar100", _cifar100),
    "svhn": _torchvision("svhn", _svhn, ("train", "test", "extra")),
    "folder": _open_folder,
    "tar": _open_tar,
}

__all__ = ["DatasetError", "DatasetNotFoundError", "LabeledImages", "align_to_classes", "open_dataset"]
