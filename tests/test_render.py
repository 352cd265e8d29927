"""The renderer end to end on llvmpipe: shards, determinism, resume, faults, verify."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import numpy as np
import pytest
from click.testing import CliRunner

from conftest import ROOT, SIMPLE, write_bank
from render.frames import decode_png
from render.run import RenderConfig, RenderConfigError, render_set
from shards import format as fmt

SHADERKD = [sys.executable, "-m", "shaderkd.cli"]


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_small_render_writes_valid_shards(small_bank, tmp_path):
    out = tmp_path / "set"
    manifest = render_set(RenderConfig(bank=str(small_bank), out=str(out), count=50, size=16, shard_size=20, workers=1))
    assert manifest["complete"] and manifest["num_samples"] == 50
    assert [s["count"] for s in manifest["shards"]] == [20, 20, 10]
    assert manifest["renderer"]["GL_RENDERER"]
    fmt.validate_manifest(json.loads((out / "manifest.json").read_text()))
    samples = [s for p in fmt.shard_paths(out) for s in fmt.iter_shard(p)]
    assert [s.index for s in samples] == list(range(50))
    shaders = set()
    for s in samples:
        img = decode_png(s.png)
        assert img.shape == (16, 16, 3) and img.dtype == np.uint8
        assert img.std() >= 2.0  # degenerate frames never reach a shard
        r = s.record
        assert r["bank_hash"] == manifest["bank"]["hash"] and r["size"] == 16 and r["supersample"] == 2
        assert len(r["params"]) == 4 and all(0 <= x < 1 for v in r["params"] for x in v)
        shaders.add(r["shader"])
    assert shaders == set(SIMPLE)


def test_same_config_gives_identical_bytes_whatever_the_split(small_bank, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    render_set(RenderConfig(bank=str(small_bank), out=str(a), count=60, size=16, shard_size=20, workers=2))
    # the same set rendered in two halves, as two machines would, with another worker count
    render_set(RenderConfig(bank=str(small_bank), out=str(b), count=60, size=16, shard_size=20, workers=1, shards=(2, 3)))
    assert not json.loads((b / "manifest.json").read_text())["complete"]
    render_set(RenderConfig(bank=str(small_bank), out=str(b), count=60, size=16, shard_size=20, workers=1, shards=(0, 2)))
    assert _files(a) == _files(b)


def test_other_seed_gives_other_images(small_bank, tmp_path):
    m0 = render_set(RenderConfig(bank=str(small_bank), out=str(tmp_path / "s0"), count=20, size=16, shard_size=20, workers=1))
    m1 = render_set(RenderConfig(bank=str(small_bank), out=str(tmp_path / "s1"), count=20, size=16, shard_size=20, workers=1, seed=1))
    assert m0["shards"][0]["sha256"] != m1["shards"][0]["sha256"]


def test_changed_options_in_the_same_directory_are_refused(small_bank, tmp_path):
    out = tmp_path / "set"
    render_set(RenderConfig(bank=str(small_bank), out=str(out), count=20, size=16, shard_size=20, workers=1))
    with pytest.raises(RenderConfigError, match="other settings"):
        render_set(RenderConfig(bank=str(small_bank), out=str(out), count=20, size=24, shard_size=20, workers=1))


@pytest.mark.slow
def test_kill_9_then_rerun_finishes_with_identical_output(tmp_path):
    bank = write_bank(tmp_path / "bank", SIMPLE)
    args = ["render", "--bank", str(bank), "--count", "2400", "--size", "32", "--shard-size", "200", "--workers", "1"]
    ref, out = tmp_path / "ref", tmp_path / "killed"
    env = {**os.environ, "LP_NUM_THREADS": "1"}
    proc = subprocess.Popen(SHADERKD + args + ["--out", str(out)], env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("shard-*.tar")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the parent and its render workers, mid-run
    proc.wait()
    finished = list(out.glob("shard-*.tar"))
    assert finished and not (out / "manifest.json").exists(), "the kill should land mid-run"
    subprocess.run(SHADERKD + args + ["--out", str(out)], env=env, cwd=ROOT, check=True, capture_output=True)
    subprocess.run(SHADERKD + args + ["--out", str(ref)], env=env, cwd=ROOT, check=True, capture_output=True)
    assert _files(out) == _files(ref)
    assert not list(out.glob("*.tmp"))


def test_broken_shader_is_reported_skipped_and_counted(tmp_path):
    bank = write_bank(tmp_path / "bank", {**SIMPLE, "t_broken": "vec3 shade(vec2 p) { return undefined_thing(p); }"})
    manifest = render_set(RenderConfig(bank=str(bank), out=str(tmp_path / "set"), count=40, size=16, shard_size=20, workers=1))
    excluded = {e["shader"]: e for e in manifest["bank"]["excluded"]}
    assert set(excluded) == {"t_broken"} and excluded["t_broken"]["reason"] == "compile"
    assert "undefined_thing" in excluded["t_broken"]["detail"]  # the driver's log
    assert manifest["bank"]["num_usable"] == len(SIMPLE) and manifest["num_samples"] == 40
    records = [s.record for p in fmt.shard_paths(tmp_path / "set") for s in fmt.iter_shard(p)]
    assert "t_broken" not in {r["shader"] for r in records}


# llvmpipe caps the iterations of a loop, so an endless loop ends quickly there; this shader does
# thousands of iterations of 16 fbm evaluations a pixel: minutes a frame at 128x128, which is
# a hang for any practical purpose (and on a GPU driver a real endless loop behaves the same way).
HANG = """vec3 shade(vec2 p) {
    float x = p.x;
    for (int i = 0; i < 60000; i++) {
        float y = 0.0;
        for (int k = 0; k < 16; k++) y += fbm(p * x + vec2(float(i), float(k)), 8);
        x += y;
        if (uTime < -1.0) break;
    }
    return vec3(fract(x));
}"""


@pytest.mark.slow
def test_hanging_shader_is_killed_excluded_and_the_run_finishes(tmp_path):
    bank = write_bank(tmp_path / "bank", {**SIMPLE, "t_hang": HANG})
    events = []
    manifest = render_set(RenderConfig(bank=str(bank), out=str(tmp_path / "set"), count=40, size=64, shard_size=20,
                                       workers=1, time_budget=2.0), lambda kind, **kw: events.append((kind, kw)))
    excluded = {e["shader"]: e for e in manifest["bank"]["excluded"]}
    assert set(excluded) == {"t_hang"} and excluded["t_hang"]["reason"] == "hang"
    assert manifest["complete"] and manifest["num_samples"] == 40
    # no sample of the finished set comes from the excluded shader
    records = [s.record for p in fmt.shard_paths(tmp_path / "set") for s in fmt.iter_shard(p)]
    assert "t_hang" not in {r["shader"] for r in records}


def test_verify_catches_one_flipped_byte(small_bank, tmp_path):
    out = tmp_path / "set"
    render_set(RenderConfig(bank=str(small_bank), out=str(out), count=40, size=16, shard_size=20, workers=1))
    from render.cli import verify_cmd

    ok = CliRunner().invoke(verify_cmd, [str(out)])
    assert ok.exit_code == 0, ok.output
    shard = out / "shard-000001.tar"
    data = bytearray(shard.read_bytes())
    # flip one byte inside the first PNG's pixel data
    pos = data.index(b"IDAT") + 10
    data[pos] ^= 0x01
    shard.write_bytes(bytes(data))
    bad = CliRunner().invoke(verify_cmd, [str(out)])
    assert bad.exit_code == 1
    assert "shard-000001.tar" in bad.output and "sha256" in bad.output
    assert "shard-000000.tar" not in bad.output


def test_verify_names_a_truncated_shard(small_bank, tmp_path):
    out = tmp_path / "set"
    render_set(RenderConfig(bank=str(small_bank), out=str(out), count=40, size=16, shard_size=20, workers=1))
    shard = out / "shard-000000.tar"
    shard.write_bytes(shard.read_bytes()[:3000])
    from render.verify import verify_set

    report = verify_set(out)
    assert not report.ok
    assert any(p.startswith("shard-000000.tar") for p in report.problems)


def test_manifest_schema_is_enforced():
    good = {"format": fmt.FORMAT, "format_version": 1, "kind": "render", "num_samples": 2, "complete": True,
            "config": {}, "bank": {}, "renderer": {}, "stats": {},
            "shards": [{"name": "shard-000000.tar", "first_index": 0, "count": 2, "sha256": "0" * 64, "bytes": 10}]}
    fmt.validate_manifest(good)
    for broken, msg in [({**good, "format_version": 99}, "newer"), ({**good, "num_samples": 3}, "num_samples"),
                        ({k: v for k, v in good.items() if k != "shards"}, "shards"),
                        ({**good, "shards": [{"name": "x"}]}, "first_index")]:
        with pytest.raises(fmt.ShardFormatError, match=msg):
            fmt.validate_manifest(broken)


def test_preview_sheet_from_shards(small_bank, tmp_path):
    out = tmp_path / "set"
    render_set(RenderConfig(bank=str(small_bank), out=str(out), count=20, size=16, shard_size=20, workers=1))
    from render.cli import preview_cmd

    res = CliRunner().invoke(preview_cmd, [str(out), "--out", str(tmp_path / "sheet.png"), "-n", "16", "--cell", "32"])
    assert res.exit_code == 0, res.output
    from PIL import Image

    assert Image.open(tmp_path / "sheet.png").size[0] > 4 * 32


def test_render_commands_never_import_torch(small_bank, tmp_path):
    """A render farm installs only the render extra: make torch unimportable and render anyway."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('torch', 'torchvision', 'webdataset', 'train'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from shaderkd.cli import main\n"
        "main()\n"
    )
    args = ["render", "--bank", str(small_bank), "--out", str(tmp_path / "set"), "--count", "10", "--size", "8",
            "--shard-size", "10", "--workers", "1"]
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "set" / "manifest.json").exists()


def test_degenerate_frames_are_redrawn_and_counted(tmp_path):
    flaky = ("vec3 shade(vec2 p) {\n"
             "    if (uP3.x < 0.3) return vec3(0.5);                 // flat\n"
             "    if (uP3.x < 0.5) return vec3(sqrt(-1.0 - uP3.y));     // NaN\n"
             "    return vec3(0.5 + 0.5 * p.x, uP0.y, 0.5 + 0.5 * p.y);\n}")
    bank = write_bank(tmp_path / "bank", {"t_flaky": flaky})
    manifest = render_set(RenderConfig(bank=str(bank), out=str(tmp_path / "set"), count=60, size=8, shard_size=30, workers=1))
    by_reason = manifest["stats"]["rejected_by_reason"]
    assert by_reason.get("constant", 0) > 0 and by_reason.get("nonfinite", 0) > 0, by_reason
    records = [s.record for p in fmt.shard_paths(tmp_path / "set") for s in fmt.iter_shard(p)]
    assert all(r["params"][3][0] >= 0.5 for r in records)      # only good draws were kept ...
    assert sum(r["attempt"] for r in records) == manifest["stats"]["rejected_frames"]  # ... each redraw counted


def test_ctrl_c_that_no_command_answers_is_one_line_and_status_130(monkeypatch):
    """A Ctrl-C while a command's modules load (before it can answer it) ends as the commands' own do."""
    import types

    import shaderkd.cli as root

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "fake_slow_module",
                        types.SimpleNamespace(cmd=click.Command("slow", callback=interrupted)))
    monkeypatch.setitem(root.COMMANDS, "slow", "fake_slow_module:cmd")
    res = CliRunner().invoke(root.main, ["slow"])
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output and "Aborted" not in res.output
