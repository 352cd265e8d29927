"""bench/quality.py: every method of every task gets the same budget, selection rule and scoring split."""
import argparse
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
