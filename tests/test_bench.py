"""bench/quality.py: every method of every task gets the same budget, selection rule and scoring split."""
import argparse
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import quality  # noqa: E402

from train.recipe import load_recipe  # noqa: E402


@pytest.mark.parametrize("task", list(quality.TASKS))
def test_every_method_runs_on_one_budget(task):
    args = argparse.Namespace(task=task, steps=600, batch_size=64, evals=3, threads=1, rdskd_pretrain=40,
                              shards="{repo}/shards/default")
    recipes = {m: load_recipe(quality.recipe_name(task, m), quality.overrides_for(m, args)) for m in quality.METHODS}
    assert {r.method for r in recipes.values()} == set(quality.METHODS)
    for r in recipes.values():
        assert (r.optim.steps, r.data.batch_size, r.eval.every) == (600, 64, 200)
        assert r.eval.val == "" and r.eval.select == "auto"          # one selection rule: held-out agreement
        assert r.eval.test == r.eval.monitor == quality.TASKS[task]["score"]
        assert r.optim.milestones == () or r.method not in ("dfad", "rdskd")
    assert len({r.teacher for r in recipes.values()}) == 1 and len({r.student for r in recipes.values()}) == 1
    assert recipes["rdskd"].generator.pretrain_steps == 40
    authors = load_recipe(quality.recipe_name(task, "authors"), quality.overrides_for("authors", args))
    assert authors.attack.kind == "bold" and authors.student == recipes["shader"].student
    assert (authors.optim.steps, authors.optim.warmup_steps) == (600, 30)


# ------------------------------------------------------------------ bench/data.py (issue 14, part 2)

import data  # noqa: E402  (bench/data.py)

from conftest import shared_path, world  # noqa: E402,F401


def test_data_set_facts_describe_a_set_before_training(world, tmp_path):
    root, shards, teacher = world
    args = argparse.Namespace(task="mnist", diversity_sample=100, work=str(tmp_path))
    facts = data.set_facts("bank", shards, str(teacher), args)
    assert facts["images"] == 240 and sum(facts["teacher_histogram"]) == 240
    assert 0 <= facts["teacher_balance"] <= 1 and 0 < facts["teacher_confidence"] <= 1
    assert 0 < facts["diversity"] < 1 and facts["distinct_shaders"] == 7
    assert facts["project_share"] == 0   # the test set's shaders s0..s6 are not the project's
    assert data.set_facts("bank", shards, str(teacher), args) == facts   # cached, keyed by the manifest
    assert (tmp_path / "facts" / "bank-mnist-100.json").is_file()


def test_data_labels_name_bank_and_curation():
    assert data.label("bank") == "project bank"
    assert data.label("shadertoy-curated") == "Shadertoy, curated"
    assert data.label("mixed-curated") == "mixed (bank + Shadertoy), curated"


def test_data_mixed_bank_holds_both_banks(tmp_path):
    corpus = shared_path("data", "shadertoy-permissive", "shaders.jsonl")   # skips when ../shared is absent
    from render.bank import load_bank
    d = data.mixed_bank(tmp_path)
    n_corpus = sum(1 for line in corpus.read_text().splitlines() if line.strip())
    assert len(load_bank(d)) == len(load_bank(data.REPO / "shaders")) + n_corpus
    before = (d / corpus.name).stat().st_mtime_ns
    assert data.mixed_bank(tmp_path) == d and (d / corpus.name).stat().st_mtime_ns == before   # kept as it is


# ------------------------------------------------------------------ bench/budget.py

import budget  # noqa: E402  (bench/budget.py)


def test_budget_limit_skips_runs_and_says_so(tmp_path):
    args = argparse.Namespace(task="cifar10", budgets=[600, 2400], seeds=[0, 1], methods=["shader", "dfad"],
                              limit=dict([budget.parse_limit("dfad=600")]), batch_size=128, jobs=2, threads=1,
                              table_only=False)
    jobs = [(m, n) for m, n, _ in budget.plan(args)]
    assert ("dfad", 2400) not in jobs and ("shader", 2400) in jobs
    row = dict(teacher_test_top1=0.9, batch_size=128, wall_s=1.0)
    runs = [("shader", 600, 0), ("shader", 600, 1), ("dfad", 600, 0), ("dfad", 600, 1), ("shader", 2400, 0)]
    rows = [dict(row, method_key=m, method=budget.quality.LABELS[m], steps=n, seed=s, final_test_top1=0.5 + 0.01 * s)
            for m, n, s in runs]
    budget.write_table(rows, budget.summarise(rows), args, tmp_path / "t.md")
    text = (tmp_path / "t.md").read_text()
    dfad = next(line for line in text.splitlines() if line.startswith("| DFAD"))
    assert dfad.endswith("| not run |") and "--limit dfad=600" in text and "DFAD only up to 600 updates" in text
    shader = next(line for line in text.splitlines() if line.startswith("| shader"))
    assert shader.endswith("1 seed(s) |")   # fewer seeds than asked are said
    assert shader.split("|")[2].count("±") == 1 and "±" not in shader.split("|")[3]   # no spread from one seed
    assert "Not finished when this table was written (`--table-only`): shader (ours) 2,400 seed 1." in text
    with pytest.raises(argparse.ArgumentTypeError, match="METHOD=UPDATES"):
        budget.parse_limit("gan=3")


def test_budget_table_only_runs_nothing_and_keeps_the_finished_runs(tmp_path, monkeypatch):
    args = argparse.Namespace(task="cifar10", budgets=[600, 2400], seeds=[0], methods=["shader", "dfad"], limit={},
                              batch_size=128, jobs=2, threads=1, evals=4, shards="unused", out=str(tmp_path / "runs"),
                              table_only=True)
    # an unfinished run (no report.json) is left exactly as it is: not run, not moved aside
    unfinished = budget.quality.run_one("shader", 0, budget.run_args(args, 600), run=False)
    assert unfinished is None and not (tmp_path / "runs").exists()
    calls = []

    def fake(method, seed, run_args, run=True):
        calls.append((method, run_args.steps, run))
        return dict(method=method, steps=run_args.steps, seed=seed) if method == "shader" else None
    monkeypatch.setattr(budget.quality, "run_one", fake)
    rows = budget.run_all(args)
    assert [(r["method_key"], r["steps"]) for r in rows] == [("shader", 600), ("shader", 2400)]
    assert len(calls) == 4 and not any(run for *_, run in calls)


def test_data_reuses_a_set_only_when_it_is_the_one_asked_for(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(data.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    out = tmp_path / "bank"
    out.mkdir()
    cfg = {"count": 50, "seed": 0, "size": 32, "supersample": 2}
    (out / "manifest.json").write_text(json.dumps({"complete": True, "config": cfg}))
    args = argparse.Namespace(work=str(tmp_path), render_workers=1)
    data.render("bank", out, 50, 0, args)
    assert calls == []                       # the same set, complete: reused
    data.render("bank", out, 60, 0, args)    # another count: the renderer decides (and says why it cannot)
    assert len(calls) == 1 and calls[0][calls[0].index("--count") + 1] == "60"
