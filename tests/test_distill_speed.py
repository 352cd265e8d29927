"""The step's timing hooks and speed choices: phases account for the time they hold (nested phases
apart), timing off records nothing and changes nothing, precision follows run.precision and the CPU,
and the boundary attack spends no teacher pass it does not need."""
from __future__ import annotations

import copy
import json

import pytest
import torch
import torch.nn as nn

import train.loop as loop
from train.attack import AttackConfig, boundary_attack
from train.loop import NO_PHASES, Phases, cpu_has_native_bf16, make_trainer, new_state, speed_choices
from train.recipe import OptimConfig, RecipeError, load_recipe


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_nested_phases_record_their_own_time(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(loop.time, "perf_counter", clock)
    ph = Phases(torch.device("cpu"))
    with ph("fetch"):
        clock.now += 1.0
        with ph("augment"):
            clock.now += 2.0
        with ph("attack"):
            clock.now += 4.0
            with ph("teacher"):
                clock.now += 8.0
        clock.now += 16.0
    with ph("augment"):
        clock.now += 32.0
    assert dict(ph.totals) == {"fetch": 17.0, "augment": 34.0, "attack": 4.0, "teacher": 8.0}
    assert dict(ph.counts) == {"fetch": 1, "augment": 2, "attack": 1, "teacher": 1}
    assert sum(ph.totals.values()) == clock.now        # nothing counted twice, nothing lost
    ph.reset()
    assert not ph.totals


def test_a_phase_that_raises_still_closes():
    ph = Phases(torch.device("cpu"))
    with pytest.raises(ValueError):
        with ph("outer"):
            with ph("inner"):
                raise ValueError("boom")
    with ph("after"):
        pass
    assert dict(ph.counts) == {"outer": 1, "inner": 1, "after": 1}


class _Source:
    uses_teacher = True

    def loss(self, s, t, labels):
        return nn.functional.kl_div(s.log_softmax(1), t.softmax(1), reduction="batchmean")

    def after_step(self, step, lr_factor, student):
        return {}


def _trainer(phases):
    torch.manual_seed(0)
    student = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 5))
    teacher = nn.Sequential(nn.Flatten(), nn.Linear(3 * 8 * 8, 5)).eval().requires_grad_(False)
    t = make_trainer(student, _Source(), teacher, OptimConfig(steps=10, warmup_steps=1, ema_decay=0.5),
                     torch.device("cpu"))
    t.phases = phases
    return t


def test_timing_changes_nothing_and_covers_the_step():
    x = torch.rand(6, 3, 8, 8)
    results, ph = [], Phases(torch.device("cpu"))
    for phases in (NO_PHASES, ph):
        t = _trainer(phases)
        state = new_state(t, 5)
        out = t.step(x, None, state)
        results.append((out.loss, [p.detach().clone() for p in t.model.parameters()], state.class_freq.clone()))
    (l0, p0, f0), (l1, p1, f1) = results
    assert torch.equal(l0, l1) and torch.equal(f0, f1)
    assert all(torch.equal(a, b) for a, b in zip(p0, p1))
    assert set(ph.totals) == {"teacher", "student", "optimizer", "ema", "bookkeeping"}


def test_no_phases_is_one_shared_null_context():
    assert NO_PHASES("teacher") is NO_PHASES("student")
    with NO_PHASES("x"):
        pass


def test_precision_choice():
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert speed_choices(cpu, "fp32")[0] is False
    assert speed_choices(cpu, "bf16")[0] is True
    assert speed_choices(cpu, "auto")[0] is cpu_has_native_bf16()
    assert speed_choices(cuda, "auto") == (True, torch.channels_last)
    assert load_recipe("cifar10-cpu", ["run.precision=fp32"]).run.precision == "fp32"
    with pytest.raises(RecipeError, match="run.precision"):
        load_recipe("cifar10-cpu", ["run.precision=fp16"])


class CountingTeacher(nn.Module):
    """A linear classifier on 2x2 images that counts its forward passes and the images it saw."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
        self.calls, self.images = 0, 0

    def forward(self, x):
        self.calls += 1
        self.images += len(x)
        return self.net(x)


def test_boundary_attack_passes():
    """One forward per iterate (the clean images' classes come from the first), backward on all but
    the last; results equal a run on a teacher that does not count."""
    teacher = CountingTeacher()
    x = torch.rand(16, 1, 2, 2, generator=torch.Generator().manual_seed(1))
    cfg = AttackConfig(kind="boundary", share=1.0, eps=0.2, steps=4, step_size=0.05, refine=3)
    pairs = boundary_attack(teacher, x, cfg, torch.Generator().manual_seed(0))
    n_hit = int(pairs.flipped.sum())
    assert 0 < n_hit < len(x)                 # some never flip: every iterate is run
    assert teacher.calls == cfg.steps + 1 + cfg.refine     # was steps + 2 + refine
    # every pair straddles the boundary, as before the pass was saved
    same = teacher(pairs.before).argmax(1) == pairs.original
    other = teacher(pairs.after).argmax(1) != pairs.original
    assert bool(same[pairs.flipped].all()) and bool(other[pairs.flipped].all())
    again = boundary_attack(copy.deepcopy(teacher), x, cfg, torch.Generator().manual_seed(0))
    assert torch.equal(again.before, pairs.before) and torch.equal(again.target, pairs.target)


@pytest.mark.slow
def test_bench_runs_the_loop_and_accounts_for_the_step(world, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    out = tmp_path / "bench.json"
    subprocess.run([sys.executable, str(repo / "bench/distill_bench.py"), "--recipes", "mnist-lenet5",
                    "--shards", str(world[1]), "--steps", "2", "--repeats", "1", "--warmup", "1",
                    "--set", "data.batch_size=32", "--out", str(out)], check=True, timeout=280, cwd=repo,
                   capture_output=True)
    r = json.loads(out.read_text())["results"][0]
    assert {"fetch", "to_float", "augment", "attack", "teacher", "student", "optimizer", "rest"} <= set(r["phases_s"])
    assert abs(sum(r["phases_s"].values()) - r["timed_step_s"]) < 1e-9
    assert r["flops_per_step"] > r["plain_kd_flops_per_step"] > 0      # the attack's passes are counted
    assert r["img_per_s"] > 0 and r["plain_kd_img_per_s"] > 0 and r["student_fwd_bwd_img_per_s"] > 0
    assert Path(r["trace"]).stat().st_size > 0 and (tmp_path / "bench.md").is_file()


@pytest.mark.parametrize("idle, local_world, expect", [(2.0, None, 2), (1.95, None, 2), (1.2, None, 1),
                                                       (0.1, None, 1), (None, None, 1), (2.0, "2", 1),
                                                       (8.0, None, 2)])
def test_auto_threads_take_the_idle_cores(monkeypatch, idle, local_world, expect):
    """run.threads = 0 uses the cores idle at the start (here 2 usable), shared among this machine's ranks."""
    before = torch.get_num_threads()
    monkeypatch.setattr(loop.os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(loop.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(loop, "idle_cores", lambda: idle)
    if local_world:
        monkeypatch.setenv("LOCAL_WORLD_SIZE", local_world)
    else:
        monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    try:
        assert loop.set_threads(0, torch.device("cpu")) == expect
        assert loop.set_threads(3, torch.device("cpu")) == 3   # an explicit count is taken as given
    finally:
        torch.set_num_threads(before)


def test_idle_cores_reads_this_machine():
    idle = loop.idle_cores(0.05)
    assert idle is None or 0 <= idle <= (loop.os.cpu_count() or 1) + 1e-6


def test_a_resumed_auto_threads_run_keeps_the_threads_it_began_with(world, tmp_path, monkeypatch):
    """Exact resume: run.threads = 0 chose 2 threads at the start; resumed when only 1 core is idle, it
    still uses 2 (another count could change float reductions)."""
    from conftest import tiny_recipe
    from train.distill import distill
    before = torch.get_num_threads()
    monkeypatch.setattr(loop.os, "sched_getaffinity", lambda pid: {0, 1})
    r = tiny_recipe(world, run__threads=0, optim__steps=6)
    seen = []
    monkeypatch.setattr(loop, "idle_cores", lambda: 2.0)
    try:
        class Stop(Exception):
            pass

        def stop(e):
            if e.get("event") == "step":
                seen.append(torch.get_num_threads())
                if e["step"] > 3:
                    raise Stop
        with pytest.raises(Stop):
            distill(r, tmp_path / "run", on_event=stop)
        monkeypatch.setattr(loop, "idle_cores", lambda: 1.0)
        distill(r, tmp_path / "run", on_event=lambda e: e.get("event") == "step" and seen.append(torch.get_num_threads()))
        assert set(seen) == {2}
        assert json.loads((tmp_path / "run" / "versions.json").read_text())["torch_threads"] == 2
        distill(r, tmp_path / "fresh", on_event=lambda e: None)   # a new run chooses anew: 1 idle core
        assert json.loads((tmp_path / "fresh" / "versions.json").read_text())["torch_threads"] == 1
    finally:
        torch.set_num_threads(before)
