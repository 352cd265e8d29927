"""Hostile and faulty inputs to the trainer: checkpoints that carry code, run directories that
are shared, damaged or written on a full disk. Every malicious file is built here, in the test,
and each payload is shown to be live (it fires when loaded the unsafe way) before the test shows
that shaderkd does not fire it."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from conftest import metrics, tiny_recipe
from train.checkpoint import UnsafeCheckpointError, load_model, program_kind
from train.datasets import DatasetError, open_dataset
from train.rundir import (DamagedStateError, RunDirError, RunLock, RunLockedError, load_checkpoint,
                          previous, read_json, read_metrics, save_checkpoint, truncate_metrics)

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


# ------------------------------------------------------------------ run directories

FULL_DISK = Path("/dev/full")
needs_dev_full = pytest.mark.skipif(not FULL_DISK.exists(), reason="/dev/full (a disk that is always full) "
                                                                   "is Linux's")


def test_a_run_directory_is_used_by_one_process_at_a_time(tmp_path):
    run = tmp_path / "run"
    with RunLock(run):
        with pytest.raises(RunLockedError, match=rf"in use by process {os.getpid()} "):
            RunLock(run).acquire()
    RunLock(run).acquire().release()          # free again once released

    # another process holds it: the message names it; once it is killed, the lock is free
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from train.rundir import RunLock; RunLock(sys.argv[1]).acquire(); "
        "print('held', flush=True); time.sleep(60)"), str(run)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=rf"process {holder.pid} on .* choose another --out"):
            RunLock(run).acquire()
    finally:
        holder.kill()
        holder.wait()
    RunLock(run).acquire().release()
    (tmp_path / "a-file").write_text("")
    with pytest.raises(RunDirError, match="cannot use .*a-file as a run directory"):
        RunLock(tmp_path / "a-file").acquire()


def test_a_checkpoint_keeps_the_one_before_and_a_damaged_one_falls_back(tmp_path, caplog):
    path = tmp_path / "state.pt"
    save_checkpoint({"step": 1}, path)
    assert not previous(path).exists()
    save_checkpoint({"step": 2}, path)
    assert torch.load(previous(path), weights_only=True) == {"step": 1}
    assert load_checkpoint(path, keys=["step"]) == {"step": 2}
    for damage in (lambda b: b[: len(b) // 2], lambda b: b""):       # truncated, then empty
        save_checkpoint({"step": 1}, path)
        save_checkpoint({"step": 2}, path)
        path.write_bytes(damage(path.read_bytes()))
        assert load_checkpoint(path, keys=["step"]) == {"step": 1}
        assert "resuming from state.prev.pt" in caplog.text
        assert not path.exists() and (tmp_path / "state.pt.damaged").exists()
        save_checkpoint({"step": 3}, path)            # the good one before stays as .prev
        assert load_checkpoint(path) == {"step": 3}
        assert torch.load(previous(path), weights_only=True) == {"step": 1}
    path.write_bytes(b"")
    previous(path).write_bytes(b"not a checkpoint")
    with pytest.raises(DamagedStateError, match="state.pt is empty.*state.prev.pt is empty, truncated or "
                                                "damaged.*delete state.pt and state.prev.pt"):
        load_checkpoint(path)
    save_checkpoint(["a list"], tmp_path / "other.pt")
    with pytest.raises(DamagedStateError, match="lacks step"):
        load_checkpoint(tmp_path / "other.pt", keys=["step"])


@needs_dev_full
def test_a_full_disk_while_saving_leaves_the_checkpoints_whole(tmp_path):
    path = tmp_path / "state.pt"
    save_checkpoint({"step": 1, "w": torch.zeros(1000)}, path)
    save_checkpoint({"step": 2, "w": torch.zeros(1000)}, path)
    before = path.read_bytes(), previous(path).read_bytes()
    (tmp_path / "state.pt.tmp").symlink_to(FULL_DISK)           # the next write runs out of space
    with pytest.raises(RunDirError, match="the disk is full.*state.pt, state.prev.pt.* are kept"):
        save_checkpoint({"step": 3, "w": torch.zeros(1000)}, path)
    assert (path.read_bytes(), previous(path).read_bytes()) == before
    assert not (tmp_path / "state.pt.tmp").is_symlink()            # the half-written file is gone
    assert load_checkpoint(path)["step"] == 2


def test_metrics_with_a_torn_last_line_and_damaged_json(tmp_path, caplog):
    metrics = tmp_path / "metrics.jsonl"
    rows = [{"event": "train", "step": s, "loss": 1.0 / s} for s in (2, 4, 6)]
    metrics.write_text("".join(json.dumps(r) + "\n" for r in rows) + '{"event": "train", "st')
    assert read_metrics(metrics) == rows and "cut short" in caplog.text
    truncate_metrics(metrics, 4)
    assert metrics.read_text() == "".join(json.dumps(r) + "\n" for r in rows[:2])
    metrics.write_text(json.dumps(rows[0]) + "\n{garbage\n" + json.dumps(rows[1]) + "\n")
    with pytest.raises(RunDirError, match="metrics.jsonl, line 2, is damaged"):
        read_metrics(metrics)
    config = tmp_path / "config.json"
    config.write_text('{"optim": {"lr": 0.1')
    with pytest.raises(RunDirError, match="config.json \\(the run's recipe\\) cannot be read"):
        read_json(config, "the run's recipe")
    config.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(RunDirError, match="cannot be read"):
        read_json(config, "the run's recipe")
    config.write_text("[1, 2]")
    with pytest.raises(RunDirError, match="a JSON object was expected, not list"):
        read_json(config, "the run's recipe")


# ------------------------------------------------------- the same, through a distillation run

def test_a_second_distillation_into_a_used_directory_names_the_holder(world, tmp_path):
    from train.distill import distill
    from train.cli_distill import distill_cmd
    _, shards, teacher = world
    with RunLock(tmp_path / "run"):
        with pytest.raises(RunLockedError, match="in use by process"):
            distill(tiny_recipe(world), tmp_path / "run")
        result = CliRunner().invoke(distill_cmd, [
            "--recipe", "mnist-lenet5", "--set", f"teacher={teacher}", "--set", f"data.shards={shards}",
            "--out", str(tmp_path / "run"), "--no-progress"])
        assert result.exit_code == 1 and "is in use by process" in result.output
    assert not (tmp_path / "run" / "config.json").exists()     # refused before touching anything


def test_a_second_teacher_training_into_a_used_directory_names_the_holder(tmp_path):
    from train.teacher import TeacherConfig, train_teacher
    with RunLock(tmp_path / "run"):
        with pytest.raises(RunLockedError, match="in use by process"):
            train_teacher(TeacherConfig(arch="lenet5", data="folder:/nonexistent", val="folder:/nonexistent",
                                        out=str(tmp_path / "run")))


@pytest.mark.slow
@needs_dev_full
def test_damage_and_a_full_disk_resume_from_the_last_good_checkpoint(world, tmp_path):
    """Checkpoints at steps 3, 6, 9, 12, 14. The disk fills while step 9's is written; then the
    step-6 state.pt is found truncated and metrics.jsonl torn: the run resumes from step 3 and
    ends with the metrics and weights of an uninterrupted run."""
    from train.cli_distill import distill_cmd
    from train.distill import distill
    straight, run = tmp_path / "straight", tmp_path / "run"
    distill(tiny_recipe(world), straight)

    def fill_disk_after_step_6(event):
        if event["event"] == "step" and event["step"] == 7:
            (run / "state.pt.tmp").symlink_to(FULL_DISK)

    with pytest.raises(RunDirError, match="cannot save .*state.pt: the disk is full"):
        distill(tiny_recipe(world), run, on_event=fill_disk_after_step_6)
    assert load_checkpoint(run / "state.pt")["step"] == 6
    state = run / "state.pt"
    state.write_bytes(state.read_bytes()[:1000])
    with open(run / "metrics.jsonl", "a") as f:
        f.write('{"event": "train", "step": 10, "lo')
    distill(tiny_recipe(world), run)
    assert metrics(run) == metrics(straight)
    a = torch.load(straight / "state.pt", weights_only=True)["student"]
    b = torch.load(run / "state.pt", weights_only=True)["student"]
    assert all(torch.equal(a[k], b[k]) for k in a)

    (run / "config.json").write_text('{"name": "tiny", "optim": ')
    result = CliRunner().invoke(distill_cmd, ["--recipe", "mnist-lenet5", "--out", str(run), "--no-progress"])
    assert result.exit_code == 1 and "config.json (the run's recipe) cannot be read" in result.output
    assert "Traceback" not in result.output


@needs_dev_full
def test_a_full_disk_elsewhere_in_a_run_ends_in_one_paragraph(world, tmp_path):
    """metrics.jsonl, versions.json, the cards: any write that runs out of space."""
    from train.cli_distill import distill_cmd
    run = tmp_path / "run"
    run.mkdir()
    (run / "versions.json").symlink_to(FULL_DISK)
    _, shards, teacher = world
    result = CliRunner().invoke(distill_cmd, [
        "--recipe", "mnist-lenet5", "--set", f"teacher={teacher}", "--set", f"data.shards={shards}",
        "--out", str(run), "--no-progress"])
    assert result.exit_code == 1 and "the disk is full while writing" in result.output, result.output
    assert "Traceback" not in result.output


def test_teacher_training_resumes_from_the_checkpoint_before_a_damaged_state_pt(tmp_path, caplog):
    from train.teacher import TeacherConfig, train_teacher
    rng = np.random.default_rng(0)
    for name, level in (("dark", 40), ("light", 215)):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(16):
            pixels = np.clip(level + rng.normal(0, 25, (28, 28)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels, "L").save(tmp_path / "data" / name / f"{i}.png")
    data = f"folder:{tmp_path / 'data'}"
    cfg = TeacherConfig(arch="lenet5", data=data, val=data, out=str(tmp_path / "run"), epochs=3,
                        batch_size=8, lr=0.05)
    per_epoch = 32 // 8
    epochs = []
    on_event = lambda e: epochs.append(e["step"] // per_epoch) if e["event"] == "eval" else None  # noqa: E731
    train_teacher(cfg, on_event=on_event)
    state = tmp_path / "run" / "state.pt"
    assert torch.load(previous(state), weights_only=True)["step"] == 2 * per_epoch
    state.write_bytes(state.read_bytes()[:-500])
    train_teacher(cfg, on_event=on_event)
    assert epochs == [1, 2, 3, 3] and "resuming from state.prev.pt" in caplog.text
    state.write_bytes(b"")
    previous(state).write_bytes(b"")
    from train.cli import teacher_group
    result = CliRunner().invoke(teacher_group, ["train", "--arch", "lenet5", "--data", data, "--val", data,
                                                "--out", str(tmp_path / "run"), "--epochs", "3", "--batch-size", "8"])
    assert result.exit_code == 1 and "No readable checkpoint is left: delete state.pt" in result.output


# ------------------------------------------------------------------ labelled image data

def test_oversized_and_bomb_images_in_eval_data_are_refused(tmp_path, monkeypatch):
    import train.datasets as datasets
    (tmp_path / "set" / "a").mkdir(parents=True)
    Image.new("RGB", (64, 64), (9, 9, 9)).save(tmp_path / "set" / "a" / "0.png")
    archive = tmp_path / "set.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "set" / "a" / "0.png", arcname="a/0.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 64 * 64 - 1)   # the image is just over PIL's limit
    for spec in (f"folder:{tmp_path / 'set'}", f"tar:{archive}"):
        with pytest.raises(DatasetError, match="cannot decode image.*DecompressionBomb"):
            open_dataset(spec)
    monkeypatch.setattr(datasets, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(DatasetError, match="member 'a/0.png' is [0-9,]+ bytes; an image here is at most 100"):
        open_dataset(f"tar:{archive}")
    with pytest.raises(DatasetError, match="0.png is [0-9,]+ bytes"):
        open_dataset(f"folder:{tmp_path / 'set'}")
