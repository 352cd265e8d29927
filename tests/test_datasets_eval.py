"""Datasets by spec, evaluation with exact expected figures, `shaderkd eval --json`, and the
teacher recipe on a tiny set."""
from __future__ import annotations

import json
import math
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from torch import nn

from conftest import shared_path
from train.checkpoint import load_model
from train.datasets import (DatasetError, DatasetNotFoundError, LabeledImages, align_to_classes,
                            open_dataset)
from train.evaluate import evaluate, format_report
from train.models import Normalized
from train.teacher import TeacherConfig, TeacherTrainingError, train_teacher

torch.set_num_threads(1)
COLOURS = {"blue": (0, 0, 255), "green": (0, 255, 0), "red": (255, 0, 0)}


class MeanColour(nn.Module):
    """Logits = the image's mean R, G, B (so class 0 = blue needs the channels reversed)."""

    def forward(self, x):
        return x.mean((2, 3)).flip(1)   # (B, G, R) order: blue, green, red = labels 0, 1, 2


def colour_folder(root: Path, size: int = 8, wrong: int = 1, per_class: int = 4) -> Path:
    """classes blue/green/red, `per_class` solid images each; the first `wrong` images of
    'red' are green instead, so a colour classifier gets exactly those wrong."""
    for name in COLOURS:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            colour = COLOURS["green"] if name == "red" and i < wrong else COLOURS[name]
            Image.new("RGB", (size, size), colour).save(root / name / f"{i:03d}.png")
    return root


def colour_model() -> Normalized:
    return Normalized(MeanColour(), [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]).eval()


def test_eval_on_a_tiny_folder_gives_the_exact_expected_figures(tmp_path):
    data = open_dataset(f"folder:{colour_folder(tmp_path / 'set')}")
    assert data.classes == ["blue", "green", "red"] and len(data) == 12
    image, label = data[0]
    assert image.dtype == torch.uint8 and image.shape == (3, 8, 8) and label == 0
    result = evaluate(colour_model(), data, batch_size=5)
    assert result["n"] == 12
    assert result["top1"] == 11 / 12
    assert result["top5"] == 1.0
    assert result["per_class"] == {"blue": 1.0, "green": 1.0, "red": 0.75}
    assert result["confusion"] == [[4, 0, 0], [0, 4, 0], [0, 1, 3]]
    # every image has logits (1, 0, 0) up to order: confidence e / (e + 2) in one bin
    confidence = math.e / (math.e + 2)
    assert result["ece"] == pytest.approx(abs(confidence - 11 / 12), abs=1e-6)
    assert result["adapted"] == []
    assert "91.67%" in format_report(result)


def test_images_are_adapted_to_the_model_input_and_that_is_reported(tmp_path):
    data = open_dataset(f"folder:{colour_folder(tmp_path / 'set', size=16)}")
    result = evaluate(colour_model(), data, input_size=8)
    assert result["top1"] == 11 / 12
    assert result["adapted"] == ["resized 16x16 images to the model's 8x8"]
    grey = Normalized(nn.Sequential(nn.Flatten(), nn.LazyLinear(3)), [0.5], [0.5]).eval()
    result = evaluate(grey, data)
    assert result["n"] == 12 and result["adapted"] == ["converted [3]-channel images to 1 channel(s)"]


def test_folders_with_mixed_sizes_and_tar_archives_match(tmp_path):
    root = colour_folder(tmp_path / "set")
    Image.new("L", (5, 7), 128).save(root / "blue" / "zz_grey.png")
    mixed = open_dataset(f"folder:{root}")
    assert not mixed.stacked and mixed[len(mixed) - 1][0].shape == (3, 8, 8)  # red, sorted last
    assert mixed.images[4].shape == (3, 7, 5)     # the grey one, turned to RGB
    assert evaluate(colour_model(), mixed, input_size=8)["n"] == 13

    (root / "blue" / "zz_grey.png").unlink()
    archive = tmp_path / "set.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for path in sorted(root.rglob("*.png"), reverse=True):   # order must not matter
            tar.add(path, arcname=f"./split/{path.parent.name}/{path.name}")
    from_tar, from_folder = open_dataset(f"tar:{archive}"), open_dataset(f"folder:{root}")
    assert from_tar.classes == from_folder.classes
    assert torch.equal(from_tar.images, from_folder.images)
    assert torch.equal(from_tar.labels, from_folder.labels)


def test_bad_specs_and_files_raise_specific_errors(tmp_path):
    with pytest.raises(DatasetError, match="KIND:PATH"):
        open_dataset("cifar10")
    with pytest.raises(DatasetError, match="unknown dataset kind 'imagenet'"):
        open_dataset("imagenet:/data")
    with pytest.raises(DatasetNotFoundError, match=str(tmp_path / "none")):
        open_dataset(f"folder:{tmp_path / 'none'}")
    with pytest.raises(FileNotFoundError):
        open_dataset(f"tar:{tmp_path / 'none.tar'}")
    with pytest.raises(DatasetError, match="split 'valid'"):
        open_dataset(f"mnist:{tmp_path}:valid")
    flat = tmp_path / "flat.tar"
    Image.new("RGB", (4, 4)).save(tmp_path / "a.png")
    with tarfile.open(flat, "w") as tar:
        tar.add(tmp_path / "a.png", arcname="a.png")
    with pytest.raises(DatasetError, match="not inside a class directory"):
        open_dataset(f"tar:{flat}")
    noise = tmp_path / "noise" / "a"
    noise.mkdir(parents=True)
    for i in range(8):
        pixels = np.random.default_rng(i).integers(0, 256, (32, 32, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(noise / f"{i}.png")
    archive = tmp_path / "noise.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(noise.parent, arcname=".")
    assert len(open_dataset(f"tar:{archive}")) == 8
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DatasetError, match="truncated"):
        open_dataset(f"tar:{archive}")


@pytest.mark.shared
def test_mnist_through_torchvision_layout():
    shared_path("data", "MNIST", "raw")
    test = open_dataset(f"mnist:{shared_path('data')}")
    assert len(test) == 10000 and test.images.shape == (10000, 1, 28, 28)
    assert test.images.dtype == torch.uint8 and test.classes[7] == "seven"
    assert np.bincount(test.labels.numpy()).tolist()[:2] == [980, 1135]


def test_eval_json_output_schema(tmp_path):
    from train.cli import eval_cmd
    root = colour_folder(tmp_path / "set")
    # A card needs a registry architecture; this model comes as TorchScript, as a user's might.
    torch.jit.script(MeanColour()).save(str(tmp_path / "colour.pt"))
    result = CliRunner().invoke(eval_cmd, [
        "--model", str(tmp_path / "colour.pt"), "--mean", "0", "--std", "1", "--input-size", "8",
        "--data", f"folder:{root}", "--json", "--allow-code-execution"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["n"] == 12 and out["top1"] == 11 / 12 and 0 <= out["top5"] <= 1
    assert out["confusion"] == [[4, 0, 0], [0, 4, 0], [0, 1, 3]]
    assert set(out) >= {"top1", "top5", "n", "per_class", "confusion", "ece"}
    # a TorchScript card has no class names: the folders' sorted order is used, and said
    assert "sorted folder order: blue=0, green=1, red=2" in out["adapted"][0]
    table = CliRunner().invoke(eval_cmd, [
        "--model", str(tmp_path / "colour.pt"), "--data", f"folder:{root}", "--allow-code-execution"])
    assert table.exit_code != 0 and "--mean and --std" in table.output


def test_teacher_recipe_learns_a_separable_set_writes_a_card_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 48), ("val", 12)):
        for name, level in (("dark", 40), ("light", 215)):
            (tmp_path / split / name).mkdir(parents=True)
            for i in range(n):
                pixels = np.clip(level + rng.normal(0, 25, (28, 28)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels, "L").save(tmp_path / split / name / f"{i}.png")
    cfg = TeacherConfig(arch="lenet5", data=f"folder:{tmp_path / 'train'}",
                        val=f"folder:{tmp_path / 'val'}", out=str(tmp_path / "run"), epochs=4,
                        batch_size=16, lr=0.05, command="shaderkd teacher train (test)")
    card_path = train_teacher(cfg)
    card = json.loads(card_path.read_text())
    assert card["accuracy"] == {"top1": 1.0, "split": cfg.val, "n": 24}
    assert card["recipe"]["flip"] is False and card["recipe"]["epochs_run"] == 4
    assert card["input_size"] == 28 and card["in_channels"] == 1
    model, _ = load_model(tmp_path / "run")
    assert evaluate(model, open_dataset(cfg.val))["top1"] == 1.0
    seconds = card["recipe"]["train_seconds"]
    train_teacher(cfg)   # everything is done: resuming trains nothing more
    assert json.loads(card_path.read_text())["recipe"]["train_seconds"] == seconds
    with pytest.raises(TeacherTrainingError, match="another run"):
        train_teacher(TeacherConfig(**{**cfg.__dict__, "arch": "lenet5_half"}))

    # fine-tuning from the run keeps its normalisation and records where it started
    tuned = TeacherConfig(**{**cfg.__dict__, "out": str(tmp_path / "tuned"), "epochs": 1,
                             "lr": 0.01, "init": str(tmp_path / "run")})
    tuned_card = json.loads(train_teacher(tuned).read_text())
    assert tuned_card["mean"] == card["mean"] and tuned_card["recipe"]["init"] == tuned.init
    assert tuned_card["accuracy"]["top1"] == 1.0
    assert tuned_card["recipe"]["init_from"]["recipe"] == card["recipe"]
    assert tuned_card["recipe"]["total_train_seconds"] == pytest.approx(
        tuned_card["recipe"]["train_seconds"] + seconds, abs=0.11)
    with pytest.raises(TeacherTrainingError, match="is a lenet5"):
        train_teacher(TeacherConfig(**{**tuned.__dict__, "arch": "lenet5_half",
                                       "out": str(tmp_path / "other")}))


def test_teacher_training_killed_mid_run_resumes_to_the_same_weights(tmp_path):
    from conftest import Interrupted
    rng = np.random.default_rng(1)
    for split, n in (("train", 40), ("val", 8)):
        for name, level in (("dark", 60), ("light", 190)):
            (tmp_path / split / name).mkdir(parents=True)
            for i in range(n):
                pixels = np.clip(level + rng.normal(0, 40, (28, 28)), 0, 255).astype(np.uint8)
                Image.fromarray(pixels, "L").save(tmp_path / split / name / f"{i}.png")
    cfg = dict(arch="lenet5_half", data=f"folder:{tmp_path / 'train'}", val=f"folder:{tmp_path / 'val'}",
               epochs=3, batch_size=16, lr=0.05)
    train_teacher(TeacherConfig(**cfg, out=str(tmp_path / "straight")))

    def kill_in_epoch_3(event):      # 5 steps an epoch: the last checkpoint is epoch 2's
        if event["event"] == "step" and event["step"] == 12:
            raise Interrupted

    with pytest.raises(Interrupted):
        train_teacher(TeacherConfig(**cfg, out=str(tmp_path / "killed")), on_event=kill_in_epoch_3)
    train_teacher(TeacherConfig(**cfg, out=str(tmp_path / "killed")))
    (a, _), (b, _) = load_model(tmp_path / "straight" / "last.json"), load_model(tmp_path / "killed" / "last.json")
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))
    rows = [[{k: v for k, v in json.loads(line).items() if k not in ("img_per_s", "elapsed_s")}
             for line in (tmp_path / d / "metrics.jsonl").read_text().splitlines()] for d in ("straight", "killed")]
    assert rows[0] == rows[1] and [r["step"] for r in rows[0] if r["event"] == "eval"] == [5, 10, 15]


def test_torchvision_sets_that_are_absent_and_cannot_download_say_where(tmp_path, monkeypatch):
    import torchvision

    calls = []

    class Offline:
        def __init__(self, root, train, download):
            calls.append(download)
            if not download:
                raise RuntimeError("Dataset not found or corrupted.")
            raise OSError("[Errno 101] Network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "CIFAR10", Offline)
    with pytest.raises(DatasetNotFoundError, match=f"not under '{tmp_path}'.*Network is unreachable"):
        open_dataset(f"cifar10:{tmp_path}:train")
    assert calls == [False, True]    # looked locally first, then tried to download


def test_train_transform_applies_per_item(tmp_path):
    data = open_dataset(f"folder:{colour_folder(tmp_path / 'set')}",
                        train_transform=lambda image: image.float().div(255).flip(0))
    image, label = data[0]
    assert label == 0 and image.dtype == torch.float32
    assert image[:, 0, 0].tolist() == [1.0, 0.0, 0.0]   # blue, channels reversed
    assert data.images.dtype == torch.uint8             # the stored set stays uint8


# ------------------------------------------------------------- labels matched to the model's classes

def renamed_colour_folder(root: Path, names: dict[str, str]) -> Path:
    """colour_folder with each colour's folder renamed (blue -> names['blue'], ...)."""
    colour_folder(root)
    for colour, name in names.items():
        (root / colour).rename(root / f"tmp-{name}")
    for name in names.values():
        (root / f"tmp-{name}").rename(root / name)
    return root


def test_folder_labels_follow_the_model_class_names_not_their_sorted_order(tmp_path):
    # The model answers blue, green, red as labels 0, 1, 2 and calls them sky, grass, blood; sorted,
    # the folders would be blood, grass, sky: every blue and red image scored against the wrong label.
    root = renamed_colour_folder(tmp_path / "set", {"blue": "sky", "green": "grass", "red": "blood"})
    data = open_dataset(f"folder:{root}")
    assert evaluate(colour_model(), data)["top1"] == 4 / 12         # the bug the matching removes
    aligned = align_to_classes(data, ["sky", "grass", "blood"])
    assert aligned.classes == ["sky", "grass", "blood"]
    assert "matched to the model's class names" in aligned.label_note
    result = evaluate(colour_model(), aligned)
    assert result["top1"] == 11 / 12 and result["per_class"] == {"sky": 1.0, "grass": 1.0, "blood": 0.75}


@pytest.mark.parametrize("names, how", [
    ({"blue": "Sky", "green": "GRASS", "red": "blood_red"}, "ignoring case"),
    ({"blue": "0", "green": "1", "red": "2"}, "class indices"),
])
def test_folder_names_matched_loosely_or_as_indices(tmp_path, names, how):
    data = open_dataset(f"folder:{renamed_colour_folder(tmp_path / 'set', names)}")
    aligned = align_to_classes(data, ["sky", "grass", "blood red"])
    assert how in aligned.label_note
    assert evaluate(colour_model(), aligned)["top1"] == 11 / 12


def test_a_subset_of_the_classes_keeps_the_model_numbering(tmp_path):
    root = colour_folder(tmp_path / "set")
    shutil.rmtree(root / "green")
    aligned = align_to_classes(open_dataset(f"folder:{root}"), ["blue", "green", "red"])
    assert aligned.classes == ["blue", "green", "red"] and sorted(set(aligned.labels.tolist())) == [0, 2]
    assert evaluate(colour_model(), aligned)["per_class"] == {"blue": 1.0, "green": None, "red": 0.75}


def test_unmatchable_names_fall_back_to_sorted_order_and_say_so(tmp_path):
    data = open_dataset(f"folder:{colour_folder(tmp_path / 'set')}")
    aligned = align_to_classes(data, ["0", "1", "2"])   # a card without names (TorchScript, state dict)
    assert "sorted folder order: blue=0, green=1, red=2" in aligned.label_note
    assert torch.equal(aligned.labels, data.labels)


@pytest.mark.parametrize("names, classes, message", [
    ({"blue": "sky", "green": "grass", "red": "rust"}, ["sky", "grass", "blood"], "'rust' is not"),
    ({"blue": "a", "green": "b", "red": "c"}, ["x", "y"], "cannot be matched"),
    ({"blue": "0", "green": "1", "red": "7"}, ["x", "y", "z"], "not distinct class indices"),
    ({"blue": "Sky", "green": "sky", "red": "grass"}, ["sky", "grass", "blood"], "all name one model class"),
])
def test_ambiguous_label_mappings_are_refused(tmp_path, names, classes, message):
    data = open_dataset(f"folder:{renamed_colour_folder(tmp_path / 'set', names)}")
    with pytest.raises(DatasetError, match=message):
        align_to_classes(data, classes)


def test_torchvision_sets_keep_their_labels():
    data = LabeledImages(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.tensor([0, 1]), ["a", "b"],
                         source="mnist:/data")
    assert align_to_classes(data, ["zero", "one"]) is data and data.label_note is None


@pytest.mark.shared
def test_mnist_teacher_scores_the_same_on_folders_named_by_digit_or_by_word(tmp_path):
    """The case that scored 8.5% before: MNIST test images filed under the card's class names."""
    from train.cli import eval_cmd
    shared_path("data", "MNIST", "raw")
    test = open_dataset(f"mnist:{shared_path('data')}")
    for i in range(600):
        label = int(test.labels[i])
        for root, name in (("words", test.classes[label]), ("digits", str(label))):
            (tmp_path / root / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(test.images[i, 0].numpy(), "L").save(tmp_path / root / name / f"{i}.png")
    top1 = {}
    for root in ("words", "digits"):
        result = CliRunner().invoke(eval_cmd, ["--model", "teacher:mnist", "--data",
                                               f"folder:{tmp_path / root}", "--json"])
        assert result.exit_code == 0, result.output
        top1[root] = json.loads(result.stdout)["top1"]
    assert top1["words"] == top1["digits"] > 0.95
