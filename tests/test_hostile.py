"""Hostile and faulty inputs to the trainer: checkpoints that carry code, run directories that
are shared, damaged or written on a full disk. Every malicious file is built here, in the test,
and each payload is shown to be live (it fires when loaded the unsafe way) before the test shows
that shaderkd does not fire it."""
from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from train.checkpoint import UnsafeCheckpointError, load_model, program_kind

torch.set_num_threads(1)


# ------------------------------------------------------------------ checkpoints that run code

class _MarkerOnLoad(torch.nn.Module):
    """A TorchScript module whose __setstate__ (run by torch.jit.load) creates a file."""

    def __init__(self, marker: str):
        super().__init__()
        self.w = torch.ones(3, 3 * 4 * 4)
        self.path = marker

    def forward(self, x):
        return x.flatten(1) @ self.w.t()

    @torch.jit.export
    def __getstate__(self):
        return (self.w, self.path, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[torch.Tensor, str, bool]):
        self.path = state[1]
        self.training = state[2]
        # from_file(shared=True) creates the file; the result is used so that it is not pruned
        self.w = state[0] + 0 * torch.from_file(self.path, shared=True, size=4).sum()


def evil_torchscript(path: Path, marker: Path) -> Path:
    torch.jit.save(torch.jit.script(_MarkerOnLoad(str(marker))), str(path))
    return path


class _OpenOnUnpickle:
    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def evil_export(path: Path, marker: Path) -> Path:
    """A genuine torch.export archive whose bias is marked use_pickle and replaced by a pickle
    that creates `marker` when torch.export.load unpickles it (weights_only=False)."""
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 3))
    buf = io.BytesIO()
    torch.export.save(torch.export.export(net, (torch.rand(2, 3, 4, 4),)), buf)
    payload = io.BytesIO()
    torch.save(_OpenOnUnpickle(str(marker)), payload)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        members = {info.filename: z.read(info.filename) for info in z.infolist()}
    config_name = next(n for n in members if n.endswith("weights/model_weights_config.json"))
    config = json.loads(members[config_name])
    config["config"]["1.bias"]["use_pickle"] = True
    members[config_name] = json.dumps(config).encode()
    bias_name = config_name.replace("model_weights_config.json", config["config"]["1.bias"]["path_name"])
    members[bias_name] = payload.getvalue()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def evil_files(tmp_path_factory):
    """{kind: (file, marker)}; the markers are checked absent before each use."""
    root = tmp_path_factory.mktemp("evil")
    return {"torchscript": (evil_torchscript(root / "ts.pt", root / "ts-fired"), root / "ts-fired"),
            "export": (evil_export(root / "ex.pt2", root / "ex-fired"), root / "ex-fired")}


@pytest.mark.parametrize("kind", ["torchscript", "export"])
def test_the_payloads_are_live_when_loaded_the_unsafe_way(evil_files, tmp_path, kind):
    path, marker = evil_files[kind]
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    assert not marker.exists()
    try:
        torch.jit.load(str(copy)) if kind == "torchscript" else torch.export.load(str(copy))
    except Exception:   # the export payload is no tensor: torch complains after it has fired
        pass
    assert marker.exists(), "the test's payload does not fire: the tests below would prove nothing"
    marker.unlink()


@pytest.mark.parametrize("kind", ["torchscript", "export"])
@pytest.mark.parametrize("suffix", ["keep", ".pt", ".pth", ".bin"])
def test_load_model_refuses_code_carrying_archives_whatever_their_name(evil_files, tmp_path, kind,
                                                                       suffix):
    path, marker = evil_files[kind]
    if suffix != "keep":
        renamed = tmp_path / f"model{suffix}"
        renamed.write_bytes(path.read_bytes())
        path = renamed
    assert program_kind(path) == kind
    with pytest.raises(UnsafeCheckpointError, match="--allow-code-execution"):
        load_model(path, arch="resnet20", mean=[0.5], std=[0.5])
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["torchscript", "export"])
def test_eval_distill_and_teacher_init_refuse_them_and_nothing_runs(evil_files, tmp_path, kind):
    from train.cli import eval_cmd, teacher_group
    from train.cli_distill import distill_cmd

    path, marker = evil_files[kind]
    folder = tmp_path / "data"
    for name in ("dark", "light"):
        (folder / name).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(np.full((4, 4, 3), 40 if name == "dark" else 200, np.uint8)).save(
                folder / name / f"{i}.png")
    runner = CliRunner()
    runs = {
        "eval": runner.invoke(eval_cmd, ["--model", str(path), "--data", f"folder:{folder}",
                                         "--mean", "0.5", "--std", "0.5"]),
        "distill": runner.invoke(distill_cmd, ["--recipe", "mnist-lenet5", "--set", f"teacher={path}",
                                               "--out", str(tmp_path / "run"), "--no-progress"]),
        "teacher --init": runner.invoke(teacher_group, [
            "train", "--arch", "lenet5", "--data", f"folder:{folder}", "--val", f"folder:{folder}",
            "--out", str(tmp_path / "teacher"), "--epochs", "1", "--batch-size", "4",
            "--init", str(path)]),
    }
    for what, result in runs.items():
        assert result.exit_code == 1, (what, result.output, result.exception)
        assert "can run code" in result.output and "Traceback" not in result.output, what
        assert not marker.exists(), f"{what} ran the payload"
