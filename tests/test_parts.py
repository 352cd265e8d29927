"""Rendering on a job array: which part a worker takes from the scheduler's environment, and finalize."""
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from render.parts import IncompleteSetError, PartError, part_from_env, part_range, resolve_part
from render.run import write_merged_manifest
from render.run import RenderConfig, RenderConfigError, render_set
from shaderkd.cli import main


def _shard_bytes(directory: Path) -> dict:
    from shards import format as fmt
    return {p.name: p.read_bytes() for p in fmt.shard_paths(directory)}


def _same_set(split: Path, whole: Path) -> None:
    """The same shard bytes (PNG deflate is deterministic: libdeflate), and the manifest one machine
    writes for these shard files (re-rendering nothing)."""
    assert sorted(p.name for p in split.iterdir()) == sorted(p.name for p in whole.iterdir())
    assert _shard_bytes(split) == _shard_bytes(whole)
    finalized = (split / "manifest.json").read_bytes()
    render_set(RenderConfig(**json.loads((split / ".parts" / "test-options.json").read_text())))
    assert (split / "manifest.json").read_bytes() == finalized


@pytest.mark.parametrize("env, parts, want", [
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, None, (3, 4)),
    ({"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "8"}, None, (4, 8)),
    ({"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6",
      "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_TASK_COUNT": "4"}, None, (2, 4)),
    ({"JOB_COMPLETION_INDEX": "2"}, 5, (2, 5)),
    ({"JOB_COMPLETION_INDEX": "0", "SHADERKD_PARTS": "3"}, None, (0, 3)),
    ({"RANK": "1", "WORLD_SIZE": "2"}, None, (1, 2)),
    # a Slurm array wins over a RANK set by something else in the same job
    ({"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "2", "RANK": "7",
      "WORLD_SIZE": "8"}, None, (0, 2)),
])
def test_part_from_each_scheduler(env, parts, want):
    assert part_from_env(env, parts)[:2] == want


@pytest.mark.parametrize("env, parts, says", [
    ({}, None, "found no job array"),
    ({"JOB_COMPLETION_INDEX": "1"}, None, "--parts N or set SHADERKD_PARTS"),
    ({"JOB_COMPLETION_INDEX": "4"}, 4, "outside 0..3"),
    ({"RANK": "1"}, None, "only one of RANK and WORLD_SIZE"),
    ({"RANK": "one", "WORLD_SIZE": "2"}, None, "RANK='one' is not an integer"),
    ({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"}, None, "SLURM_ARRAY_TASK_MIN is not"),
    ({"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "7",
      "SLURM_ARRAY_TASK_COUNT": "3"}, None, "not a plain range"),
    ({"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "4"}, 3, "disagrees"),
])
def test_bad_or_missing_environment_is_refused_clearly(env, parts, says):
    with pytest.raises(PartError, match=says):
        part_from_env(env, parts)


def test_part_by_hand_and_bad_specs():
    assert resolve_part("1/3", env={}) == (1, 3)
    assert resolve_part("auto", env={"RANK": "0", "WORLD_SIZE": "2"}) == (0, 2)
    for bad in ("3/3", "1", "a/b", "-1/2", "0/0"):
        with pytest.raises(PartError, match="--part"):
            resolve_part(bad, env={})


@pytest.mark.parametrize("shards, n", [(10, 3), (7, 7), (1000, 16), (5, 2)])
def test_parts_are_contiguous_balanced_and_cover_every_shard(shards, n):
    ranges = [part_range(shards, i, n) for i in range(n)]
    assert ranges[0][0] == 0 and ranges[-1][1] == shards
    assert all(ranges[i][1] == ranges[i + 1][0] for i in range(n - 1))
    sizes = [b - a for a, b in ranges]
    assert max(sizes) - min(sizes) <= 1 and min(sizes) >= 1


def test_more_parts_than_shards_is_refused(small_bank, tmp_path):
    with pytest.raises(RenderConfigError, match="3 parts but the set has only 2 shards"):
        render_set(RenderConfig(bank=str(small_bank), out=str(tmp_path / "s"), count=40, size=16, shard_size=20,
                                part=(0, 3)))


def test_all_parts_then_finalize_equal_one_machine(small_bank, tmp_path, monkeypatch):
    options = ["--bank", str(small_bank), "--count", "50", "--size", "16", "--shard-size", "10", "--workers", "1"]
    whole, split = tmp_path / "whole", tmp_path / "split"
    runner = CliRunner()
    (split / ".parts").mkdir(parents=True)
    (split / ".parts" / "test-options.json").write_text(json.dumps(dict(
        bank=str(small_bank), out=str(split), count=50, size=16, shard_size=10, workers=1)))
    r = runner.invoke(main, ["render", "--out", str(whole), *options])
    assert r.exit_code == 0, r.output

    # part 1 of 2 from a Kubernetes Indexed Job (shards 2-4), then finalize refuses, naming part 0
    r = runner.invoke(main, ["render", "--out", str(split), "--part", "auto", "--parts", "2", *options],
                      env={"JOB_COMPLETION_INDEX": "1"})
    assert r.exit_code == 0, r.output
    assert not json.loads((split / "manifest.json").read_text())["complete"]
    assert sorted(p.name for p in split.glob("shard-*.tar")) == [f"shard-{k:06d}.tar" for k in (2, 3, 4)]
    r = runner.invoke(main, ["finalize", str(split)])
    assert r.exit_code != 0 and "shard(s) 0-1 of 5" in r.output and "part(s) 0/2" in r.output, r.output

    # part 0 from a Slurm array task; the last part to finish writes the complete manifest itself
    r = runner.invoke(main, ["render", "--out", str(split), "--part", "auto", *options],
                      env={"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "2"})
    assert r.exit_code == 0, r.output
    assert json.loads((split / "manifest.json").read_text())["complete"]
    (split / "manifest.json").unlink()
    r = runner.invoke(main, ["finalize", str(split)])
    assert r.exit_code == 0, r.output
    _same_set(split, whole)

    # a damaged shard: finalize names it rather than writing a manifest that lies
    shard = split / "shard-000003.tar"
    shard.write_bytes(shard.read_bytes()[:-1] + b"x")
    with pytest.raises(IncompleteSetError, match=r"shard\(s\) 3 of 5.*part\(s\) 1/2"):
        write_merged_manifest(split, strict=True)
    # the same part command again re-renders just that shard
    r = runner.invoke(main, ["render", "--out", str(split), "--part", "1/2", *options])
    assert r.exit_code == 0, r.output
    _same_set(split, whole)


def test_a_shader_excluded_by_one_part_is_honoured_by_all(small_bank, tmp_path):
    """Parts check shaders independently; an exclusion one part made (a hang, a slow shader) reaches the others
    and finalize: shards made with that shader are named and re-rendered, so the set is one set."""
    options = dict(bank=str(small_bank), count=40, size=16, shard_size=10, workers=1)
    split = tmp_path / "split"
    render_set(RenderConfig(out=str(split), part=(0, 2), **options))
    render_set(RenderConfig(out=str(split), part=(1, 2), **options))
    assert json.loads((split / "manifest.json").read_text())["complete"]
    # part 1 later found t_rings hanging (as a render that met it mid-run would record)
    state = split / ".parts" / "part-1-of-2" / "excluded.json"
    state.write_text(json.dumps({"t_rings": {"reason": "hang", "detail": "test"}}))
    with pytest.raises(IncompleteSetError, match=r"used a shader another part excluded \(t_rings\)"):
        write_merged_manifest(split, strict=True)
    render_set(RenderConfig(out=str(split), part=(0, 2), **options))
    render_set(RenderConfig(out=str(split), part=(1, 2), **options))
    manifest = write_merged_manifest(split, strict=True)
    assert manifest["complete"] and [e["shader"] for e in manifest["bank"]["excluded"]] == ["t_rings"]
    # the same as one machine that excluded t_rings from the start
    whole = tmp_path / "whole"
    (whole / ".parts").mkdir(parents=True)
    (whole / ".parts" / "excluded.json").write_text(state.read_text())
    render_set(RenderConfig(out=str(whole), **options))
    assert _shard_bytes(split) == _shard_bytes(whole)
    assert sorted(p.name for p in split.iterdir()) == sorted(p.name for p in whole.iterdir())


def test_finalize_on_a_directory_that_is_not_a_render(tmp_path):
    r = CliRunner().invoke(main, ["finalize", str(tmp_path)])
    assert r.exit_code != 0 and "holds no render bookkeeping" in r.output


def test_slurm_example_renders_its_parts_and_its_finalize_job_completes_the_set(small_bank, tmp_path):
    """examples/slurm/render-array.sbatch run as two array tasks (a stand-in `sbatch` records the finalize
    job the first task submits), then that job: the set is complete and verified."""
    import os
    import subprocess
    import sys

    from conftest import ROOT
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "sbatch").write_text(f"#!/bin/bash\nprintf '%s\\n' \"$@\" > {tmp_path}/submitted\n")
    (fake / "sbatch").chmod(0o755)
    out = tmp_path / "set"
    env = {**os.environ, "PATH": f"{fake}:{os.environ['PATH']}", "OUT": str(out), "BANK": str(small_bank),
           "COUNT": "30", "SHARD_SIZE": "10", "SHADERKD": f"{sys.executable} -m shaderkd.cli",
           "SLURM_ARRAY_JOB_ID": "77", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "1",
           "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_CPUS_PER_TASK": "1"}
    for task in ("1", "0"):
        r = subprocess.run(["bash", str(ROOT / "examples/slurm/render-array.sbatch")], env={**env, "SLURM_ARRAY_TASK_ID": task},
                           capture_output=True, text=True, timeout=240, cwd=ROOT)
        assert r.returncode == 0, r.stderr
    submitted = (tmp_path / "submitted").read_text().splitlines()
    assert "--dependency=afterok:77" in submitted
    wrap = submitted[submitted.index("--wrap") + 1] if "--wrap" in submitted else \
        next(a for a in submitted if a.startswith("--wrap=")).split("=", 1)[1]
    (out / "manifest.json").unlink()   # as if the tasks had not finished in the order that completes it
    r = subprocess.run(["bash", "-c", wrap], env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "complete, 30 images in 3 shards" in r.stdout and "OK" in r.stdout


def test_parts_writing_the_same_bookkeeping_file_at_once_do_not_collide(tmp_path, monkeypatch):
    """Two parts of a job array start together and both pin .parts/config.json (and the last two to
    finish both write the manifest): their temporary files must not be shared, or one rename fails."""
    import threading

    from render.outdir import save_json
    from shards.manifest import write_manifest
    errors = []

    def hammer(fn):
        try:
            for _ in range(150):
                fn()
        except Exception as exc:   # noqa: BLE001 - any failure is the test's failure
            errors.append(exc)

    path = tmp_path / "config.json"
    manifest = {"format": "shaderkd-shards", "version": 1}
    writers = [lambda: save_json(path, {"bank_hash": "x"})] * 3 + [lambda: write_manifest(tmp_path, manifest)] * 3
    monkeypatch.setattr("shards.manifest.check_manifest", lambda m: None)   # the writing, not the format, is tested
    threads = [threading.Thread(target=hammer, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:1]
    assert json.loads(path.read_text()) == {"bank_hash": "x"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "manifest.json"]
