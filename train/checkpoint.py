"""Checkpoints with cards: the weights in safetensors and, beside them, a JSON card saying how
to feed the model. Also loads the formats users bring: plain state dicts, TorchScript and
`torch.export` programs.

A card (format_version 1) is a plain dict:

    arch          registry name (`train.models`), or "torchscript" / "export"
    num_classes   int;  classes: list of class names, index = label
    in_channels   int;  input_size: int, the image side in px
    mean, std     lists, one value per channel: the normalisation inside `Normalized`
    trained_on    str, what data the weights were fitted to
    accuracy      {"top1": fraction, "split": str, "n": int} or null
    recipe        dict (how it was trained: command, epochs, time, machine) or null
    format_version 1

`load_model(spec)` returns `(Normalized, card)`; the model takes images in [0, 1].
Nothing is ever unpickled beyond tensors: `torch.load(..., weights_only=True)` everywhere.
TorchScript and `torch.export` archives are refused unless the caller passes
`allow_code_execution=True`: loading them runs code the file carries (TorchScript methods such as
`__setstate__` run inside `torch.jit.load`; `torch.export.load` unpickles weights marked
`use_pickle` with `weights_only=False`), so they are recognised by their zip layout before any
torch reader opens them, whatever their suffix.
"""
from __future__ import annotations

import json
import logging
import math
import os
import zipfile
from pathlib import Path
from typing import Any, Sequence

import torch
from safetensors import safe_open
from safetensors.torch import save
from torch import nn

from .models import Normalized, UnknownModelError, create_model, default_input_size

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
CARD_KEYS = ("arch", "num_classes", "classes", "in_channels", "input_size", "mean", "std",
             "trained_on", "accuracy", "recipe", "format_version")
TEACHERS_DIR = Path(__file__).parent / "teachers"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
STATE_DICT_WRAPPERS = ("state_dict", "model_state_dict", "model", "net")
STRIPPED_PREFIXES = ("module.", "_orig_mod.")   # DataParallel / DDP, torch.compile


class CheckpointError(ValueError):
    """A checkpoint cannot be loaded; the message says which file, why and what to do."""


class CorruptCheckpointError(CheckpointError):
    """The file is truncated, damaged or not in the format its name promises."""


class UnsafeCheckpointError(CheckpointError):
    """The file is a TorchScript or torch.export archive, whose loading can run code from the
    file; refused unless the caller allows code execution."""


class ArchitectureMismatchError(CheckpointError):
    """The weights do not fit the architecture: keys missing, unexpected or of another shape."""

    def __init__(self, message: str, missing: list[str], unexpected: list[str],
                 mismatched: list[tuple[str, tuple, tuple]]):
        super().__init__(message)
        self.missing, self.unexpected, self.mismatched = missing, unexpected, mismatched


# ------------------------------------------------------------------------------ cards

def make_card(arch: str, classes: Sequence[str], *, in_channels: int, input_size: int,
              mean: Sequence[float], std: Sequence[float], trained_on: str,
              accuracy: dict | None = None, recipe: dict | None = None) -> dict:
    card = {"arch": arch, "num_classes": len(classes), "classes": [str(c) for c in classes],
            "in_channels": int(in_channels), "input_size": int(input_size),
            "mean": [float(m) for m in mean], "std": [float(s) for s in std],
            "trained_on": trained_on, "accuracy": accuracy, "recipe": recipe,
            "format_version": FORMAT_VERSION}
    validate_card(card, "make_card")
    return card


MAX_CLASSES = 100_000        # far above any classifier here; a card claiming more is damaged
MAX_CHANNELS = 64
MAX_INPUT_SIZE = 4096


def validate_card(card: Any, where: str) -> dict:
    """`card` itself when every field has the type and range a model can be built from; else
    CheckpointError naming the field. Runs before any model is built from a card."""
    if not isinstance(card, dict):
        raise CheckpointError(f"{where}: a card must be a JSON object, got {type(card).__name__}")
    missing = [k for k in CARD_KEYS if k not in card]
    if missing:
        raise CheckpointError(f"{where}: the card lacks {', '.join(missing)}")
    if card["format_version"] != FORMAT_VERSION:
        raise CheckpointError(f"{where}: card format_version {card['format_version']} is not "
                              f"supported (this code reads version {FORMAT_VERSION})")

    def bad(key: str, want: str):
        return CheckpointError(f"{where}: the card's {key} must be {want}, got {card[key]!r}; "
                               f"the card is damaged or was not written by shaderkd")

    if not isinstance(card["arch"], str) or not card["arch"]:
        raise bad("arch", "an architecture name (a non-empty string)")
    for key, top in (("num_classes", MAX_CLASSES), ("in_channels", MAX_CHANNELS),
                     ("input_size", MAX_INPUT_SIZE)):
        if not _is_int(card[key]) or not 1 <= card[key] <= top:
            raise bad(key, f"an integer in 1..{top}")
    classes = card["classes"]
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise bad("classes", "a list of class names (strings)")
    if len(classes) != card["num_classes"]:
        raise CheckpointError(f"{where}: {len(classes)} class names for "
                              f"num_classes={card['num_classes']}")
    if len(set(classes)) != len(classes):
        dup = sorted({c for c in classes if classes.count(c) > 1})
        raise bad("classes", f"distinct names (repeated: {', '.join(map(repr, dup))})")
    for key in ("mean", "std"):
        values = card[key]
        if not isinstance(values, list) or not values or not all(
                _is_number(v) and math.isfinite(v) for v in values):
            raise bad(key, "a list of finite numbers, one per input channel")
    if any(s <= 0 for s in card["std"]):
        raise bad("std", "positive (the input is divided by it)")
    if not (len(card["mean"]) == len(card["std"]) == card["in_channels"]):
        raise CheckpointError(f"{where}: mean and std need one value per input channel "
                              f"({card['in_channels']}), got {card['mean']} and {card['std']}")
    if not isinstance(card["trained_on"], str):
        raise bad("trained_on", "a string")
    if card["recipe"] is not None and not isinstance(card["recipe"], dict):
        raise bad("recipe", "null or an object")
    acc = card["accuracy"]
    if acc is not None and not (isinstance(acc, dict) and {"top1", "split", "n"} <= set(acc)
                                and _is_number(acc["top1"]) and 0.0 <= acc["top1"] <= 1.0
                                and isinstance(acc["split"], str)
                                and _is_int(acc["n"]) and acc["n"] >= 0):
        raise CheckpointError(f"{where}: accuracy must be null or {{'top1': fraction in [0, 1], "
                              f"'split': str, 'n': int}}, got {acc}")
    return card


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def build_net(arch: str, num_classes: int, in_channels: int, where) -> nn.Module:
    """`create_model`, with an unknown architecture reported as a CheckpointError naming the file."""
    try:
        return create_model(arch, num_classes, in_channels)
    except UnknownModelError as exc:
        raise CheckpointError(f"{where}: {exc}") from None


# ----------------------------------------------------------------------------- saving

def save_model(path_or_dir: str | Path, model: Normalized, card: dict) -> Path:
    """Write `<stem>.safetensors` and `<stem>.json`; return the card's path. A directory
    gets `model.*`; a path's suffix (.json, .safetensors) is replaced."""
    path = Path(path_or_dir)
    stem = path / "model" if path.is_dir() else path.with_suffix("")
    if not isinstance(model, Normalized):
        raise TypeError("save_model takes a train.models.Normalized (the card records its "
                        "mean and std)")
    validate_card(card, str(stem))
    # The model holds float32, the card float64: compare within float32's precision (rounding both
    # to 6 decimals disagreed whenever a value straddled a rounding boundary, e.g. 0.3000005).
    for key in ("mean", "std"):
        held, carded = getattr(model, key).flatten().tolist(), card[key]
        if len(held) != len(carded) or not all(math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-7)
                                               for a, b in zip(held, carded)):
            raise CheckpointError(f"{stem}: the card's {key} {carded} differs from the model's {held}")
    tensors = {k: v.detach().to("cpu").contiguous().clone()
               for k, v in model.net.state_dict().items()}
    stem.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(card, indent=2) + "\n"
    # The card goes into the safetensors header too, so a lone .safetensors still loads.
    # Written beside and renamed into place, so a kill mid-save leaves the old pair readable.
    weights, card_path = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    tmp_weights, tmp_card = Path(str(weights) + ".tmp"), Path(str(card_path) + ".tmp")
    try:
        _write_synced(tmp_weights, save(tensors, metadata={"card": text}))
        _write_synced(tmp_card, text.encode())
        os.replace(tmp_weights, weights)
        os.replace(tmp_card, card_path)
    except Exception as exc:   # OSError (disk full, read-only) or safetensors' own error type
        for tmp in (tmp_weights, tmp_card):
            tmp.unlink(missing_ok=True)
        raise CheckpointError(
            f"cannot write {weights.name} and {card_path.name} in {stem.parent} "
            f"({type(exc).__name__}: {exc}); the previous {weights.name}, if any, is kept. "
            f"Free disk space (or fix the permissions) and run the same command again") from exc
    return card_path


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


# ---------------------------------------------------------------------------- loading

def load_model(spec: str | Path, *, arch: str | None = None,
               mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
               num_classes: int | None = None, in_channels: int | None = None,
               input_size: int | None = None, device: str | torch.device = "cpu",
               allow_code_execution: bool = False) -> tuple[Normalized, dict]:
    """Load a model by spec: `teacher:<name>` (bundled), a card `.json` or its
    `.safetensors`, a directory holding a card (`best.json` first), a plain state dict
    (`.pt/.pth/.th`; needs `arch`, `mean`, `std`), TorchScript or a `.pt2` export
    (need `mean`, `std`, and `allow_code_execution=True`: UnsafeCheckpointError without it).
    Returns the model in eval mode on `device`, and its card."""
    overrides = dict(arch=arch, mean=mean, std=std, num_classes=num_classes,
                     in_channels=in_channels, input_size=input_size)
    for key, top in (("num_classes", MAX_CLASSES), ("in_channels", MAX_CHANNELS),
                     ("input_size", MAX_INPUT_SIZE)):
        if overrides[key] is not None and not (_is_int(overrides[key]) and 1 <= overrides[key] <= top):
            raise CheckpointError(f"{key} must be an integer in 1..{top}, got {overrides[key]!r}")
    path = _resolve(str(spec))
    if path.suffix in (".json", ".safetensors"):
        model, card = _load_card_model(path, overrides)
    elif (kind := program_kind(path)) is not None:
        if not allow_code_execution:
            raise UnsafeCheckpointError(_unsafe_message(path, kind))
        loader = _load_export if kind == "export" else _load_torchscript
        model, card = loader(path, overrides)
    else:
        model, card = _load_state_dict_file(path, overrides)
    return model.to(device).eval(), card


def _resolve(spec: str) -> Path:
    if spec.startswith("teacher:"):
        name = spec[len("teacher:"):]
        path = TEACHERS_DIR / f"{name}.json"
        if not path.is_file():
            have = sorted(p.stem for p in TEACHERS_DIR.glob("*.json"))
            raise CheckpointError(f"no bundled teacher {name!r}; bundled: "
                                  f"{', '.join('teacher:' + h for h in have) or 'none'}")
        return path
    path = Path(spec)
    if path.is_dir():
        for name in ("best.json", "best.safetensors"):
            if (path / name).is_file():
                return path / name
        cards = [p for p in sorted(path.glob("*.json")) if _looks_like_card(p)]
        if len(cards) != 1:
            raise CheckpointError(
                f"{path} is a directory with {len(cards)} model cards and no best.json; "
                f"name the card to load" + (f" (one of {', '.join(p.name for p in cards)})"
                                            if cards else ""))
        return cards[0]
    if not path.is_file():
        raise CheckpointError(f"{path} does not exist; give a card (.json), a checkpoint file, "
                              f"a run directory or teacher:<name>")
    return path


def bundled_teachers() -> dict[str, dict]:
    """name -> card of every teacher shipped in `train/teachers/` (`teacher:<name>`)."""
    return {p.stem: validate_card(json.loads(p.read_text()), str(p))
            for p in sorted(TEACHERS_DIR.glob("*.json"))}


def _looks_like_card(path: Path) -> bool:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "format_version" in data and "arch" in data


# Members that only program archives hold. TorchScript: `constants.pkl` (torch.load's own test)
# and the `code/` tree; torch.export: `archive_format` and `models/*.json` (the PT2 archive),
# `serialized_exported_program*` (the format before it). Names sit under one top folder.
_TORCHSCRIPT_MEMBERS = ("constants.pkl", "code/")
_EXPORT_MEMBERS = ("archive_format", "models/", "serialized_exported_program")


def program_kind(path: Path) -> str | None:
    """"export", "torchscript" or None (anything else), from the file's name and zip directory
    only: nothing in the file is decoded or run."""
    if path.suffix == ".pt2":
        return "export"
    try:
        if not zipfile.is_zipfile(path):
            return None
        with zipfile.ZipFile(path) as z:
            names = [n.split("/", 1)[1] if "/" in n else n for n in z.namelist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return None   # not a readable zip: the state-dict reader reports it as damaged
    if any(n.startswith(_EXPORT_MEMBERS) for n in names):
        return "export"
    if any(n.startswith(_TORCHSCRIPT_MEMBERS) for n in names):
        return "torchscript"
    return None


def _unsafe_message(path: Path, kind: str) -> str:
    how = ("its TorchScript code runs as the file is read (a method such as __setstate__)"
           if kind == "torchscript" else
           "torch.export.load unpickles weights the file marks use_pickle with weights_only=False")
    return (f"{path} is a {'TorchScript' if kind == 'torchscript' else 'torch.export (.pt2)'} "
            f"archive, and loading one can run code hidden in the file ({how}), with every right "
            f"your account has. It is refused by default. If you trust whoever made the file, "
            f"pass --allow-code-execution (shaderkd eval and distill; allow_code_execution=True "
            f"in Python). Safer: load it once on a machine you can lose, save "
            f"torch.save(model.state_dict(), 'weights.pt') and load that with --arch, --mean "
            f"and --std.")


def _load_card_model(path: Path, overrides: dict) -> tuple[Normalized, dict]:
    json_path, weights = path.with_suffix(".json"), path.with_suffix(".safetensors")
    if not weights.is_file():
        raise CheckpointError(f"{json_path}: its weights {weights.name} are missing beside it")
    try:
        with safe_open(str(weights), framework="pt", device="cpu") as f:
            state = {k: f.get_tensor(k) for k in f.keys()}
            header_card = (f.metadata() or {}).get("card")
    except Exception as exc:  # safetensors raises SafetensorError, OSError, ...
        raise CorruptCheckpointError(
            f"cannot read {weights}: the file is truncated or not safetensors "
            f"({type(exc).__name__}: {exc}); re-copy or re-save it") from exc
    if json_path.is_file():
        try:
            card = json.loads(json_path.read_text())
        except ValueError as exc:
            raise CorruptCheckpointError(f"{json_path} is not valid JSON ({exc})") from exc
    elif header_card:
        try:
            card = json.loads(header_card)
        except ValueError as exc:
            raise CorruptCheckpointError(f"{weights}: the card in its header is not valid JSON "
                                         f"({exc})") from exc
    else:
        raise CheckpointError(f"{weights} has no card: neither {json_path.name} beside it nor "
                              f"one in its header")
    validate_card(card, str(json_path))
    for key, value in overrides.items():
        if value is not None and _differs(value, card[key]):
            raise CheckpointError(f"{json_path}: the card says {key}={card[key]}, but "
                                  f"{value} was asked for; drop the option (cards carry it)")
    net = build_net(card["arch"], card["num_classes"], card["in_channels"], json_path)
    _load_into(net, state, card["arch"], weights)
    return Normalized(net, card["mean"], card["std"]), card


def _differs(a, b) -> bool:
    if isinstance(a, (list, tuple)):
        return len(a) != len(b) or any(not math.isclose(x, y, rel_tol=1e-6) for x, y in zip(a, b))
    return a != b


def _load_state_dict_file(path: Path, overrides: dict) -> tuple[Normalized, dict]:
    arch = overrides["arch"]
    if arch is None:
        raise CheckpointError(f"{path} is a plain state dict: say which architecture it is "
                              f"(--arch, e.g. resnet20) and its normalisation (--mean, --std)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # truncated zips, bad pickles and foreign objects all land here
        raise CorruptCheckpointError(
            f"cannot read {path}: it is truncated, damaged or holds more than tensors "
            f"({type(exc).__name__}: {exc}). Only weights_only files load; re-save it with "
            f"torch.save(model.state_dict(), path)") from exc
    state = _unwrap_state_dict(obj, path)
    first = next((v for v in state.values() if v.ndim == 4), None)
    in_channels = overrides["in_channels"] or (int(first.shape[1]) if first is not None else 3)
    num_classes = overrides["num_classes"] or _guess_num_classes(state, path)
    net = build_net(arch, num_classes, in_channels, path)
    _load_into(net, state, arch, path)
    mean, std = _normalisation(overrides, in_channels, path)
    card = make_card(arch, [str(i) for i in range(num_classes)], in_channels=in_channels,
                     input_size=overrides["input_size"] or default_input_size(arch),
                     mean=mean, std=std, trained_on=f"unknown (plain state dict {path.name})")
    return Normalized(net, mean, std), card


def _unwrap_state_dict(obj: Any, path: Path) -> dict[str, torch.Tensor]:
    for key in STATE_DICT_WRAPPERS:
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not obj or \
            not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise CheckpointError(f"{path} holds no state dict (a dict of tensors, possibly under "
                              f"{', '.join(repr(k) for k in STATE_DICT_WRAPPERS)})")
    state = {}
    for key, value in obj.items():
        for prefix in STRIPPED_PREFIXES:
            if key.startswith(prefix):
                key = key[len(prefix):]
        state[key] = value
    if all(k.startswith("net.") for k in state):   # a saved Normalized
        state = {k[4:]: v for k, v in state.items()}
    return state


def _guess_num_classes(state: dict[str, torch.Tensor], path: Path) -> int:
    """The classifier is the last layer: its bias (or weight rows) count the classes."""
    for key in reversed(list(state)):
        if key.endswith((".bias", ".weight")) and state[key].ndim in (1, 2):
            return int(state[key].shape[0])
    raise CheckpointError(f"{path}: cannot tell the number of classes; pass num_classes")


def _load_into(net: nn.Module, state: dict[str, torch.Tensor], arch: str, where) -> None:
    expected = net.state_dict()
    missing = [k for k in expected if k not in state and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in expected]
    mismatched = [(k, tuple(state[k].shape), tuple(expected[k].shape))
                  for k in state if k in expected and state[k].shape != expected[k].shape]
    if missing or unexpected or mismatched:
        def listing(items):
            shown = ", ".join(str(i) for i in items[:12])
            return shown + (f", ... ({len(items)} in all)" if len(items) > 12 else "")
        lines = [f"{where} does not fit architecture {arch!r}:"]
        if missing:
            lines.append(f"  missing keys ({len(missing)}): {listing(missing)}")
        if unexpected:
            lines.append(f"  unexpected keys ({len(unexpected)}): {listing(unexpected)}")
        if mismatched:
            lines.append(f"  shape mismatches ({len(mismatched)}): " + listing(
                [f"{k} checkpoint {a} vs model {b}" for k, a, b in mismatched]))
        lines.append("  Check --arch (and --num-classes / --in-channels).")
        raise ArchitectureMismatchError("\n".join(lines), missing, unexpected, mismatched)
    net.load_state_dict(state, strict=False)


def _normalisation(overrides: dict, in_channels: int, path: Path):
    mean, std = overrides["mean"], overrides["std"]
    if mean is None or std is None:
        raise CheckpointError(
            f"{path} carries no normalisation: give --mean and --std, the values it was "
            f"trained with (ImageNet's are {','.join(map(str, IMAGENET_MEAN))} and "
            f"{','.join(map(str, IMAGENET_STD))})")
    mean, std = list(mean), list(std)
    if len(mean) == 1:
        mean = mean * in_channels
    if len(std) == 1:
        std = std * in_channels
    if len(mean) != in_channels or len(std) != in_channels:
        raise CheckpointError(f"{path}: mean/std need 1 or {in_channels} values, got "
                              f"{len(mean)} and {len(std)}")
    return mean, std


def _probe(net: nn.Module, in_channels: int, input_size: int, path: Path) -> int:
    """Run one blank batch to learn the number of classes (formats that hide the layers)."""
    try:
        with torch.no_grad():
            out = net(torch.zeros(2, in_channels, input_size, input_size))
    except Exception as exc:
        raise CheckpointError(
            f"{path} does not run on a (2, {in_channels}, {input_size}, {input_size}) batch "
            f"({type(exc).__name__}: {exc}); pass the right --in-channels / --input-size, and "
            f"export with a dynamic batch dimension") from exc
    if out.ndim != 2:
        raise CheckpointError(f"{path} returns shape {tuple(out.shape)}, not (batch, classes)")
    return int(out.shape[1])


def _opaque_card(kind: str, net: nn.Module, overrides: dict, path: Path,
                 in_channels: int, input_size: int) -> tuple[Normalized, dict]:
    mean, std = _normalisation(overrides, in_channels, path)
    num_classes = _probe(net, in_channels, input_size, path)
    if overrides["num_classes"] and overrides["num_classes"] != num_classes:
        raise CheckpointError(f"{path} outputs {num_classes} classes, not "
                              f"{overrides['num_classes']}")
    card = make_card(kind, [str(i) for i in range(num_classes)], in_channels=in_channels,
                     input_size=input_size, mean=mean, std=std,
                     trained_on=f"unknown ({kind} file {path.name})")
    return Normalized(net, mean, std), card


def _load_torchscript(path: Path, overrides: dict) -> tuple[Normalized, dict]:
    try:
        net = torch.jit.load(str(path), map_location="cpu")
    except Exception as exc:
        raise CorruptCheckpointError(f"cannot read TorchScript file {path}: truncated or "
                                     f"damaged ({type(exc).__name__}: {exc})") from exc
    return _opaque_card("torchscript", net.eval(), overrides, path,
                        overrides["in_channels"] or 3, overrides["input_size"] or 32)


def _load_export(path: Path, overrides: dict) -> tuple[Normalized, dict]:
    try:
        program = torch.export.load(str(path))
    except Exception as exc:
        raise CorruptCheckpointError(f"cannot read torch.export program {path}: truncated or "
                                     f"damaged ({type(exc).__name__}: {exc})") from exc
    in_channels, input_size = overrides["in_channels"], overrides["input_size"]
    shape = _export_input_shape(program)
    if shape is not None and len(shape) == 4:
        in_channels = in_channels or int(shape[1])
        input_size = input_size or int(shape[-1])
    return _opaque_card("export", _ExportedNet(program.module()), overrides, path,
                        in_channels or 3, input_size or 32)


class _ExportedNet(nn.Module):
    """Holds an exported program's module, which is frozen in the mode it was exported in
    and refuses `.train()`/`.eval()`: this wrapper takes the call and stops there."""

    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module

    def train(self, mode: bool = True):
        self.training = mode
        return self

    def forward(self, x):
        return self.module(x)


def _export_input_shape(program) -> tuple | None:
    names = set(program.graph_signature.user_inputs)
    for node in program.graph.nodes:
        if node.op == "placeholder" and node.name in names and "val" in node.meta:
            return tuple(node.meta["val"].shape)
    return None


__all__ = ["ArchitectureMismatchError", "CheckpointError", "bundled_teachers", "CorruptCheckpointError",
           "FORMAT_VERSION", "IMAGENET_MEAN", "IMAGENET_STD", "UnsafeCheckpointError", "build_net",
           "load_model", "make_card", "program_kind", "save_model", "validate_card"]
