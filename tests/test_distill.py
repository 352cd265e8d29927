"""The distillation loop end to end on tiny sizes: run directory, resume, recipes, curation."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import Interrupted, metrics, tiny_recipe
from train.checkpoint import load_model, make_card, save_model
from train.distill import RunDirError, distill
from train.models import Normalized, create_model
from train.recipe import EvalConfig, RecipeError, load_recipe, RECIPES_DIR
from train.transform import transform_for

torch.set_num_threads(1)
REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_run_directory_and_report(world, tmp_path):
    report = distill(tiny_recipe(world), tmp_path / "run")
    run = tmp_path / "run"
    for name in ("config.json", "versions.json", "seed", "metrics.jsonl", "state.pt", "last.json",
                 "last.safetensors", "best.json", "best.safetensors", "curves.png", "report.json", "report.md"):
        assert (run / name).is_file(), name
    assert json.loads((run / "config.json").read_text())["optim"]["steps"] == 14
    rows = metrics(run)
    assert [r["step"] for r in rows if r["event"] == "train"] == [2, 4, 6, 8, 10, 12, 14]
    assert all(r["loss"] > 0 for r in rows if r["event"] == "train")
    assert report["selected_by"] == "holdout_agreement" and report["images_seen"] == 14 * 32
    assert 0 <= report["holdout_agreement"] <= 1 and report["wall_s"] > 0
    # the best student loads back through the ordinary loader (what `shaderkd eval --model RUN` uses)
    model, card = load_model(run)
    assert card["arch"] == "lenet5_half" and model(torch.rand(2, 1, 28, 28)).shape == (2, 10)


@pytest.mark.parametrize("kind,target", [("boundary", "random"), ("boundary", "balanced"), ("discrepancy", "random")])
def test_resume_gives_identical_metrics(world, tmp_path, kind, target):
    straight = tmp_path / "straight"
    distill(tiny_recipe(world, attack__kind=kind, attack__target=target), straight)

    resumed = tmp_path / "resumed"

    def kill_at_step_8(event):  # last checkpoint at 6: steps 7 and 8 are done twice
        if event["event"] == "step" and event["step"] == 8:
            raise Interrupted

    with pytest.raises(Interrupted):
        distill(tiny_recipe(world, attack__kind=kind, attack__target=target), resumed, on_event=kill_at_step_8)
    assert max(r["step"] for r in metrics(resumed)) <= 8
    distill(tiny_recipe(world, attack__kind=kind, attack__target=target), resumed)
    assert metrics(resumed) == metrics(straight)
    a = torch.load(straight / "state.pt", weights_only=True)["student"]
    b = torch.load(resumed / "state.pt", weights_only=True)["student"]
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_select_last_makes_the_final_student_the_best(world, tmp_path):
    run = tmp_path / "run"
    report = distill(tiny_recipe(world, eval__select="last", optim__ema_decay=0.0), run)
    assert report["selected_by"] == "last" and report["best_step"] == 14
    best, _ = load_model(run / "best.safetensors")
    last, _ = load_model(run / "last.safetensors")
    assert all(torch.equal(a, b) for a, b in zip(best.state_dict().values(), last.state_dict().values()))
    assert all(r["best"] for r in metrics(run) if r["event"] == "eval")
    with pytest.raises(ValueError, match="eval.select"):
        EvalConfig(select="best")


def test_a_run_from_before_a_new_recipe_key_still_resumes(world, tmp_path):
    run = tmp_path / "run"

    def stop_at_7(event):
        if event["event"] == "step" and event["step"] == 7:
            raise Interrupted

    with pytest.raises(Interrupted):
        distill(tiny_recipe(world), run, on_event=stop_at_7)
    config = json.loads((run / "config.json").read_text())
    del config["eval"]["select"]                        # as written before eval.select existed
    (run / "config.json").write_text(json.dumps(config))
    assert distill(tiny_recipe(world), run)["steps"] == 14


def test_other_config_in_same_dir_is_refused(world, tmp_path):
    distill(tiny_recipe(world, optim__steps=2, optim__warmup_steps=1), tmp_path / "run")
    with pytest.raises(RunDirError, match="optim"):
        distill(tiny_recipe(world, optim__steps=3, optim__warmup_steps=1), tmp_path / "run")


def test_named_recipes_load_and_override():
    names = sorted(p.stem for p in RECIPES_DIR.glob("*.toml"))
    assert {"mnist-lenet5", "cifar10-cpu", "cifar10-r34-r18"} <= set(names)
    for n in names:
        load_recipe(n)
    r = load_recipe("mnist-lenet5", ["optim.lr=0.01", "augment.crop_scale=[0.5, 1.0]", "attack.kind=none",
                                     "data.batch_size=64"])
    assert (r.optim.lr, r.augment.crop_scale, r.attack.kind, r.data.batch_size) == (0.01, (0.5, 1.0), "none", 64)
    with pytest.raises(RecipeError, match="valid keys"):
        load_recipe("mnist-lenet5", ["optim.learning_rate=0.1"])
    with pytest.raises(RecipeError, match="integer"):
        load_recipe("mnist-lenet5", ["optim.steps=1.5"])
    with pytest.raises(RecipeError, match="no recipe"):
        load_recipe("no-such-recipe")


@pytest.mark.slow
def test_end_to_end_from_rendered_shards(tmp_path):
    """`shaderkd render` then a few distillation steps on the rendered shards (needs GL)."""
    pytest.importorskip("moderngl")
    if not (REPO / "render" / "cli.py").is_file():
        pytest.skip("the renderer CLI (render/cli.py) is not there yet")
    torch.manual_seed(0)
    card = make_card("resnet20", [f"c{i}" for i in range(10)], in_channels=3, input_size=32,
                     mean=[0.5] * 3, std=[0.25] * 3, trained_on="random init (test)")
    save_model(tmp_path / "teacher", Normalized(create_model("resnet20", 10), [0.5] * 3, [0.25] * 3), card)
    env = {"LP_NUM_THREADS": "1", "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "shaderkd.cli", "render", "--bank", str(REPO / "shaders"),
                           "--out", str(tmp_path / "set"), "--count", "96", "--size", "32",
                           "--shard-size", "32", "--workers", "1"], env=env, cwd=REPO, capture_output=True,
                           text=True)
    assert done.returncode == 0, done.stderr
    r = load_recipe("cifar10-cpu", [f"data.shards={json.dumps(str(tmp_path / 'set'))}", "data.batch_size=16",
                                    f"teacher={json.dumps(str(tmp_path / 'teacher.json'))}", "student=resnet20",
                                    "optim.steps=3", "optim.warmup_steps=1", "eval.val=''", "eval.test=''",
                                    "eval.every=3", "run.log_every=1", "attack.steps=2"])
    report = distill(r, tmp_path / "run")
    assert report["images_seen"] == 48 and (tmp_path / "run" / "best.json").is_file()


def test_curate_balances_the_teacher_classes(world, tmp_path):
    from shards.format import iter_shard, read_manifest
    from train.curate import CurationError, curate, relative_entropy
    from train.shardset import ShardSet
    _, shards, teacher = world
    report = curate(str(teacher), shards, tmp_path / "cur", per_class=8, batch_size=64, shard_size=16)
    before, after = report["histogram_before"], report["histogram_after"]
    assert sum(before) == 240 and all(a == min(b, 8) for a, b in zip(after, before))
    assert report["relative_entropy_after"] >= report["relative_entropy_before"]
    assert relative_entropy([5, 5, 5]) == pytest.approx(1.0) and relative_entropy([9, 0, 0]) == 0.0
    manifest = read_manifest(tmp_path / "cur")
    assert manifest["kind"] == "curated" and manifest["num_samples"] == sum(after) == report["num_kept"]
    # every record names its source and the teacher's label, which the teacher confirms on the image
    model, card = load_model(str(teacher))
    idx, imgs = ShardSet(tmp_path / "cur").load()
    x = transform_for(card)(imgs)
    with torch.no_grad():
        pred = model(x).argmax(1).tolist()
    records = [s.record for p in sorted((tmp_path / "cur").glob("shard-*.tar")) for s in iter_shard(p)]
    assert [r["index"] for r in records] == list(range(len(records)))
    assert [r["teacher_label"] for r in records] == pred
    assert all(r["source"]["set"] == "set" and 0 <= r["teacher_confidence"] <= 1 for r in records)
    with pytest.raises(CurationError, match="already holds"):
        curate(str(teacher), shards, tmp_path / "cur", per_class=8)


def test_cli_distill_and_curate(world, tmp_path):
    from click.testing import CliRunner
    from train.cli_distill import curate_cmd, distill_cmd
    _, shards, teacher = world
    sets = ["--set", f"teacher={teacher}", "--set", f"data.shards={shards}", "--set", "data.batch_size=32",
            "--set", "data.holdout_images=60", "--set", "optim.steps=3", "--set", "optim.warmup_steps=1",
            "--set", "eval.test=''", "--set", "eval.every=3", "--set", "attack.steps=2"]
    run = CliRunner().invoke(distill_cmd, ["--recipe", "mnist-lenet5", *sets, "--out", str(tmp_path / "run"),
                                           "--no-progress"])
    assert run.exit_code == 0, run.output
    assert "Distillation report: mnist-lenet5" in run.output and (tmp_path / "run" / "best.json").is_file()
    bad = CliRunner().invoke(distill_cmd, ["--recipe", "mnist-lenet5", "--set", "optim.nope=1", "--out",
                                           str(tmp_path / "bad")])
    assert bad.exit_code == 1 and "valid keys" in bad.output
    cur = CliRunner().invoke(curate_cmd, ["--teacher", str(teacher), "--shards", str(shards), "--out",
                                          str(tmp_path / "cur"), "--per-class", "4", "--device", "cpu"])
    assert cur.exit_code == 0, cur.output
    assert "relative entropy" in cur.output
    # --recipe: the recipe's teacher curates, the same set as naming that teacher
    (tmp_path / "r.toml").write_text(f'teacher = "{teacher}"\nstudent = "lenet5_half"\n')
    by_recipe = CliRunner().invoke(curate_cmd, ["--recipe", str(tmp_path / "r.toml"), "--shards", str(shards), "--out",
                                                str(tmp_path / "cur2"), "--per-class", "4", "--device", "cpu"])
    assert by_recipe.exit_code == 0, by_recipe.output
    assert [e["sha256"] for e in json.loads((tmp_path / "cur2" / "manifest.json").read_text())["shards"]] == \
        [e["sha256"] for e in json.loads((tmp_path / "cur" / "manifest.json").read_text())["shards"]]
    both = CliRunner().invoke(curate_cmd, ["--recipe", "cifar10-cpu", "--teacher", str(teacher), "--shards", str(shards),
                                           "--out", str(tmp_path / "cur3"), "--per-class", "4"])
    assert both.exit_code == 2 and "one of the two" in both.output


def test_real_validation_data_chooses_the_best_and_is_reported(world, tmp_path):
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for c in range(10):   # an ImageFolder of 28 px grey images, classes named 0..9 like the teacher's
        (tmp_path / "val" / str(c)).mkdir(parents=True)
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (28, 28), dtype=np.uint8)).save(tmp_path / "val" / str(c) / f"{i}.png")
    r = tiny_recipe(world, optim__steps=4, optim__warmup_steps=1, eval__every=2)
    r.eval.val = f"folder:{tmp_path / 'val'}"
    r.eval.test = f"folder:{tmp_path / 'absent'}"
    report = distill(r, tmp_path / "run")
    assert report["selected_by"] == "val_top1" and report["val"]["n"] == 30
    assert {"student_top1", "teacher_top1", "ratio", "agreement"} <= set(report["val"])
    assert "test" not in report and any("absent" in n for n in report["notes"])
    evals = [m for m in metrics(tmp_path / "run") if m["event"] == "eval"]
    assert [m["step"] for m in evals] == [2, 4] and all("val_top1" in m for m in evals)
    _, card = load_model(tmp_path / "run")
    assert card["accuracy"]["split"].startswith("folder:") and card["accuracy"]["n"] == 30
    # a test split that is also monitored is scored from the data already loaded, with the same result
    r2 = tiny_recipe(world, optim__steps=4, optim__warmup_steps=1, eval__every=2)
    r2.eval.monitor = r2.eval.test = f"folder:{tmp_path / 'val'}"
    again = distill(r2, tmp_path / "run2")
    assert again["test"]["n"] == 30 and all("monitor_top1" in m for m in metrics(tmp_path / "run2") if m["event"] == "eval")
    assert again["test"]["teacher_top1"] == report["val"]["teacher_top1"]


def test_a_run_that_never_checkpointed_starts_afresh(world, tmp_path):
    bad = tiny_recipe(world, optim__steps=2, optim__warmup_steps=1)
    bad.teacher = str(tmp_path / "no-such-teacher.json")
    from train.checkpoint import CheckpointError
    with pytest.raises((CheckpointError, FileNotFoundError)):
        distill(bad, tmp_path / "run")
    report = distill(tiny_recipe(world, optim__steps=2, optim__warmup_steps=1), tmp_path / "run")
    assert report["images_seen"] == 64
