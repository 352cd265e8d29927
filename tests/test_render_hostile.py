"""Hostile and faulty input to `shaderkd render` and `bank check`: each ends in one clear paragraph,
and no set is overwritten (issue 16). Every bad file is built here, inside the test."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SIMPLE, write_bank
from render.bank import BankError, load_bank
from render.params import NoUsableShaderError
from render.pool import RenderWorkerError
from render.outdir import ForeignSetError, OutputBusyError
from render.run import RenderConfig, RenderConfigError, render_set
from shards import format as fmt

SHADERKD = [sys.executable, "-m", "shaderkd.cli"]
# ignores its time and parameters: the same image for every sample
STATIC = "vec3 shade(vec2 p) { return vec3(0.5 + 0.5 * p.x, 0.5 + 0.5 * p.y, 0.3); }"


def _cfg(bank, out, **kw) -> RenderConfig:
    return RenderConfig(bank=str(bank), out=str(out), **{"count": 20, "size": 8, "shard_size": 10, "workers": 1, **kw})


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def _cli(args) -> "click.testing.Result":
    from render.cli import bank_group, render_cmd

    cmd = bank_group if args[0] == "bank" else render_cmd
    return CliRunner().invoke(cmd, args[1:])


def _one_paragraph_error(res, *needles):
    """A non-zero exit whose error is one line (click's "Error: ..."), with no traceback."""
    assert res.exit_code != 0, res.output
    assert "Traceback" not in res.output, res.output
    # (a progress bar may leave its terminal control codes ahead of the message on the same line)
    errors = [line[line.index("Error: "):] for line in res.output.splitlines() if "Error: " in line]
    assert len(errors) == 1, res.output
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


# ---- a set render did not make is never overwritten ----

def test_render_refuses_a_complete_set_whose_parts_were_removed(small_bank, tmp_path):
    out = tmp_path / "set"
    render_set(_cfg(small_bank, out))
    (out / fmt.PARTS_DIR / "config.json").unlink()  # shards/README.md: .parts/ is safe to delete once complete
    for p in (out / fmt.PARTS_DIR).iterdir():
        p.unlink()
    (out / fmt.PARTS_DIR).rmdir()
    before = _files(out)
    # another config into the same directory: it would overwrite shard 0 and orphan shard 1
    with pytest.raises(ForeignSetError, match=r"complete render \(20 samples in 2 shards\).*shaderkd verify"):
        render_set(_cfg(small_bank, out, count=10, seed=3))
    assert _files(out) == before and not (out / fmt.PARTS_DIR).exists()
    res = _cli(["render", "--bank", str(small_bank), "--out", str(out), "--count", "10", "--size", "8"])
    _one_paragraph_error(res, str(out), "delete")
    assert _files(out) == before


def test_render_refuses_a_curated_set(small_bank, tmp_path):
    out = tmp_path / "curated"
    out.mkdir()
    entry = fmt.write_shard(out / fmt.shard_name(0), [(0, b"\x89PNG", {"index": 0, "teacher_label": 3})])
    fmt.write_manifest(out, {"format": fmt.FORMAT, "format_version": fmt.FORMAT_VERSION, "kind": "curated",
                             "num_samples": 1, "complete": True, "config": {}, "bank": {}, "renderer": {},
                             "stats": {}, "shards": [entry]})
    before = _files(out)
    with pytest.raises(ForeignSetError, match="curated shard set .*shaderkd curate.*another --out"):
        render_set(_cfg(small_bank, out))
    assert _files(out) == before and not (out / fmt.PARTS_DIR).exists()


def test_render_refuses_shards_without_manifest_or_parts(small_bank, tmp_path):
    out = tmp_path / "copied"
    render_set(_cfg(small_bank, tmp_path / "src"))
    out.mkdir()
    (out / "shard-000000.tar").write_bytes((tmp_path / "src" / "shard-000000.tar").read_bytes())
    with pytest.raises(ForeignSetError, match=r"1 shard file\(s\) and no manifest.*copy its \.parts/"):
        render_set(_cfg(small_bank, out))


def test_two_renders_into_one_directory_the_second_names_the_first(small_bank, tmp_path):
    out = tmp_path / "set"
    (out / fmt.PARTS_DIR).mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; from render.outdir import output_lock\n"
                               "with output_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()",
         str(out / fmt.PARTS_DIR / "lock")], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusyError, match=rf"being rendered by another process \(pid {holder.pid} on "):
            render_set(_cfg(small_bank, out))
        assert not list(out.glob("shard-*"))
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert render_set(_cfg(small_bank, out))["complete"]  # the lock went with its holder


# ---- errors inside render workers reach the user as one paragraph ----

def test_disk_full_in_a_worker_is_one_paragraph_and_the_render_resumes(small_bank, tmp_path):
    out = tmp_path / "set"
    out.mkdir()
    # every write to shard 1's temporary file fails as on a full disk (/dev/full answers ENOSPC)
    (out / "shard-000001.tar.tmp").symlink_to("/dev/full")
    with pytest.raises(RenderWorkerError, match=r"no space left on the disk .*shard-000001\.tar.*run the same command again") as info:
        render_set(_cfg(small_bank, out))
    assert not info.value.unexpected
    res = _cli(["render", "--bank", str(small_bank), "--out", str(out), "--count", "20", "--size", "8",
                "--shard-size", "10", "--workers", "1"])
    _one_paragraph_error(res, "no space left", "shard-000001.tar")
    (out / "shard-000001.tar.tmp").unlink()  # space freed
    manifest = render_set(_cfg(small_bank, out))
    assert manifest["complete"] and manifest["num_samples"] == 20
    assert _files(out) == _files_of_fresh_render(small_bank, tmp_path / "ref")


def _files_of_fresh_render(bank, out):
    render_set(_cfg(bank, out))
    return _files(out)


def test_an_unexpected_worker_fault_says_where_and_shows_the_traceback(small_bank):
    from render.run import sample_frames

    with pytest.raises(RenderWorkerError, match=r"failed while drawing frames of shader t_grad: ValueError: .*"
                                                r"\(worker\.py:\d+ in frames\).*please report it") as info:
        sample_frames(str(small_bank), ["t_grad"], 0, 8, workers=1)  # zero frames: a caller's bug
    assert info.value.unexpected and info.value.traceback.startswith("Traceback")


def test_bad_egl_device_is_one_paragraph(small_bank, tmp_path):
    res = _cli(["render", "--bank", str(small_bank), "--out", str(tmp_path / "set"), "--count", "10",
                "--size", "8", "--workers", "1", "--egl-device", "99"])
    _one_paragraph_error(res, "--egl-device 99: there is no such EGL device", "leave --egl-device out")


@pytest.mark.parametrize("option, value", [("max_frame_ms", 0), ("max_frame_ms", float("inf")),
                                           ("max_frame_ms", float("nan")), ("time_budget", float("nan")),
                                           ("seed", -1), ("workers", -1), ("egl_device", -1)])
def test_options_that_cannot_work_are_refused_before_anything_is_written(small_bank, tmp_path, option, value):
    with pytest.raises(RenderConfigError, match=f"--{option.replace('_', '-')} must be"):
        render_set(_cfg(small_bank, tmp_path / "set", **{option: value}))
    assert not (tmp_path / "set").exists()


@pytest.mark.parametrize("options, message", [({"count": 10 ** 12}, "exceeds what the shard format numbers"),
                                              ({"count": 10 ** 8, "shard_size": 1}, "pass a larger --shard-size"),
                                              ({"shards": (3, 2)}, "outside the 2 shards")])
def test_counts_the_format_cannot_hold_are_refused_at_once(small_bank, tmp_path, options, message):
    t0 = time.monotonic()
    with pytest.raises(RenderConfigError, match=message):
        render_set(_cfg(small_bank, tmp_path / "set", **options))
    assert time.monotonic() - t0 < 5 and not (tmp_path / "set").exists()


def test_impossible_max_frame_ms(small_bank, tmp_path):
    res = _cli(["render", "--bank", str(small_bank), "--out", str(tmp_path / "set"), "--count", "10",
                "--size", "8", "--workers", "1", "--max-frame-ms", "0.000001"])
    _one_paragraph_error(res, f"every one of the {len(SIMPLE)} shaders", f"{len(SIMPLE)} slow",
                         "raise --max-frame-ms above 1e-06 (the fastest took")
    assert not list((tmp_path / "set").glob("shard-*"))


def test_bank_where_every_shader_is_excluded(tmp_path):
    bank = write_bank(tmp_path / "bank", {"t_a": "vec3 shade(vec2 p) { return nope(p); }",
                                          "t_b": "vec3 shade(vec2 p) { return vec3(p, undefined_b); }",
                                          "t_c": "float not_shade(vec2 p) { return 1.0; }"})
    with pytest.raises(NoUsableShaderError, match=r"every one of the 3 shaders .*\(2 compile, 1 unsupported\).*bank check"):
        render_set(_cfg(bank, tmp_path / "set"))
    excluded = json.loads((tmp_path / "set" / fmt.PARTS_DIR / "excluded.json").read_text())
    assert set(excluded) == {"t_a", "t_b", "t_c"}


@pytest.mark.parametrize("name, content", [("empty.json", "[]"), ("empty.jsonl", "")])
def test_empty_bank_is_a_bank_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(BankError, match="holds no shaders"):
        load_bank(path)
    res = _cli(["render", "--bank", str(path), "--out", str(tmp_path / "set"), "--count", "10"])
    _one_paragraph_error(res, "holds no shaders")


def test_project_shader_with_non_utf8_bytes_is_named(tmp_path):
    bank = write_bank(tmp_path / "bank", SIMPLE)
    bad = bank / "t_grad.glsl"
    bad.write_bytes(bad.read_bytes().replace(b"// licence", b"// caf\xe9 licence"))
    with pytest.raises(BankError, match=r"t_grad\.glsl: byte \d+ \(line 3, b'\\xe9'\) is not UTF-8.*save the file as UTF-8"):
        load_bank(bank)
    res = _cli(["bank", "check", str(bank)])
    _one_paragraph_error(res, "t_grad.glsl", "not UTF-8")


# ---- a shader that ignores its inputs ----

def test_static_shader_is_reported_by_bank_check_and_excluded_from_renders(tmp_path):
    bank = write_bank(tmp_path / "bank", {**SIMPLE, "t_static": STATIC})
    res = _cli(["bank", "check", str(bank), "--size", "16", "--frames", "2", "--workers", "1"])
    assert res.exit_code == 1, res.output
    flagged = [line for line in res.output.splitlines() if line.startswith("STATIC")]
    assert len(flagged) == 1 and "t_static" in flagged[0], res.output
    manifest = render_set(_cfg(bank, tmp_path / "set", count=40))
    excluded = {e["shader"]: e for e in manifest["bank"]["excluded"]}
    assert set(excluded) == {"t_static"} and excluded["t_static"]["reason"] == "static"
    records = [s.record for p in fmt.shard_paths(tmp_path / "set") for s in fmt.iter_shard(p)]
    assert "t_static" not in {r["shader"] for r in records}
    kept = render_set(_cfg(bank, tmp_path / "kept", count=40, keep_static=True))
    assert kept["bank"]["excluded"] == [] and kept["config"]["keep_static"] is True
    records = [s.record for p in fmt.shard_paths(tmp_path / "kept") for s in fmt.iter_shard(p)]
    assert "t_static" in {r["shader"] for r in records}


# ---- Ctrl-C ----

@pytest.mark.slow
def test_sigint_prints_one_line_no_worker_traceback_and_the_render_resumes(tmp_path):
    bank = write_bank(tmp_path / "bank", SIMPLE)
    out = tmp_path / "set"
    args = ["render", "--bank", str(bank), "--out", str(out), "--count", "2400", "--size", "32",
            "--shard-size", "200", "--workers", "2"]
    env = {**os.environ, "LP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}
    # Output goes to files, not pipes: nothing the render prints can fill a pipe nobody reads while the
    # test waits, and the test waits for the parent's exit, not for EOF from whatever else holds stderr.
    log_out, log_err = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(log_out, "w") as so, open(log_err, "w") as se:
        # SIG_DFL in the child, so its Python answers Ctrl-C even where the test runner was started with
        # SIGINT ignored (a background job of a non-interactive shell, as under `nohup make test &`)
        proc = subprocess.Popen(SHADERKD + args, env=env, cwd=ROOT, stdout=so, stderr=se, text=True,
                                start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not list(out.glob("shard-*.tar")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the parent and every worker
    try:
        proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        # say where it hangs: faulthandler prints every thread's stack on SIGABRT
        procs = subprocess.run(["ps", "-o", "pid,stat,wchan:24,etime,cmd", "-g", str(proc.pid)],
                               capture_output=True, text=True).stdout
        os.kill(proc.pid, signal.SIGABRT)
        proc.wait(timeout=30)
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"the render did not exit within 90 s of Ctrl-C; processes then:\n{procs}\n"
                    f"its stderr:\n{log_err.read_text()[-6000:]}")
    err = log_err.read_text()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert "interrupted: finished shards" in err
    # no worker outlives the parent (the group empties once the workers' kills land)
    gone = time.monotonic() + 20
    while time.monotonic() < gone:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        left = subprocess.run(["ps", "-o", "pid,stat,cmd", "-g", str(proc.pid)], capture_output=True, text=True).stdout
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail(f"processes of the render outlived it by 20 s:\n{left}")
    done = subprocess.run(SHADERKD + args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    check = subprocess.run(SHADERKD + ["verify", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stdout


def test_a_bank_of_almost_only_flat_frames_is_one_paragraph(tmp_path):
    # flat unless uP3.x > 0.999: the check's three draws look alike (static), and with --keep-static
    # a sample runs out of its 64 attempts
    bank = write_bank(tmp_path / "bank", {"t_flat": "vec3 shade(vec2 p) { return uP3.x > 0.999 ? vec3(p, 0.0) : vec3(0.5); }"})
    with pytest.raises(NoUsableShaderError, match=r"\(1 static\).*--keep-static"):
        render_set(_cfg(bank, tmp_path / "set"))
    with pytest.raises(RenderWorkerError, match=r"64 degenerate \(flat or NaN\) frames in a row while rendering "
                                                 r".*shard-00000\d\.tar: the bank makes too few usable images"):
        render_set(_cfg(bank, tmp_path / "kept", keep_static=True))


@pytest.mark.parametrize("args, message", [(["--frames", "0"], "--frames must be at least 1"),
                                           (["--size", "0"], "--size must be at least 1"),
                                           (["--size", "5000"], "exceeds 2048"),
                                           (["--time-budget", "0"], "--time-budget must be positive"),
                                           (["--max-frame-ms", "-1"], "--max-frame-ms must be positive"),
                                           (["--workers", "-2"], "--workers must be 0 or more")])
def test_bank_check_refuses_options_that_cannot_work(small_bank, args, message):
    _one_paragraph_error(_cli(["bank", "check", str(small_bank), *args]), message)


def test_bank_stats_and_preview_refuse_options_that_cannot_work(small_bank, tmp_path):
    for args, message in [(["--per-shader", "0"], "--per-shader must be at least 1"),
                          (["--limit", "-1"], "--limit must be at least 1"),
                          (["--dup-threshold", "nan"], "--dup-threshold must lie in (0, 1]")]:
        _one_paragraph_error(_cli(["bank", "stats", str(small_bank), *args]), message)
    from render.cli import preview_cmd

    res = CliRunner().invoke(preview_cmd, ["--bank", str(small_bank), "--size", "0", "--out", str(tmp_path / "x.png")])
    _one_paragraph_error(res, "--size must be at least 1")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """A small bank and a set rendered from it, shared by the tests that only read them."""
    root = tmp_path_factory.mktemp("rendered")
    bank = write_bank(root / "bank", SIMPLE)
    render_set(_cfg(bank, root / "set"))
    return bank, root / "set"


@pytest.mark.parametrize("name, content", [("excluded.json", "[]"), ("checked.json", '{"t_grad": 5}'),
                                           ("shard-000000.tar.json", '["not", "a", "record"]'),
                                           ("shard-000001.tar.json", '{"bytes": "10"}'),
                                           ("checked.json", "")])
def test_damaged_bookkeeping_is_redone_to_the_same_bytes(rendered, tmp_path, name, content):
    small_bank, ref = rendered
    out = tmp_path / "set"
    shutil.copytree(ref, out)
    (out / fmt.PARTS_DIR / name).write_text(content)
    (out / fmt.MANIFEST).unlink()
    assert render_set(_cfg(small_bank, out))["complete"]
    assert _files(out) == _files(ref)


@pytest.mark.parametrize("content", ["[1]", "", '{"count": 20}'])
def test_damaged_config_with_shards_present_is_refused(rendered, tmp_path, content):
    """The settings that made the shards are unknown: a render must not adopt them as its own."""
    small_bank, ref = rendered
    out = tmp_path / "set"
    shutil.copytree(ref, out)
    (out / fmt.PARTS_DIR / "config.json").write_text(content)
    before = _files(out)
    with pytest.raises(ForeignSetError, match=r"config\.json is damaged.*delete that directory"):
        render_set(_cfg(small_bank, out, seed=5))
    assert _files(out) == before


@pytest.mark.parametrize("manifest", ['{"shards": 5, "kind": 3}', '["a list"]', "not json", '{"format": "other"}'])
def test_render_refuses_a_directory_with_someone_elses_manifest(small_bank, tmp_path, manifest):
    out = tmp_path / "set"
    out.mkdir()
    (out / fmt.MANIFEST).write_text(manifest)
    with pytest.raises(ForeignSetError, match="a manifest.json that is not a shaderkd shard set's"):
        render_set(_cfg(small_bank, out))
    assert (out / fmt.MANIFEST).read_text() == manifest


def test_bank_files_that_are_not_plain_sources_are_refused(tmp_path):
    bank = write_bank(tmp_path / "bank", SIMPLE)
    (bank / "odd.glsl").mkdir()  # a directory named like a source: not one, skipped
    assert len(load_bank(bank)) == len(SIMPLE)
    os.mkfifo(bank / "pipe.glsl")  # reading would block forever
    with pytest.raises(BankError, match=r"pipe\.glsl: not a regular file"):
        load_bank(bank)
    with pytest.raises(BankError, match=r"pipe\.glsl: not a regular file"):
        load_bank(bank / "pipe.glsl")  # given as the bank itself
    (bank / "pipe.glsl").unlink()
    (bank / "huge.glsl").write_bytes(b"// " + b"x" * (2 << 20))
    with pytest.raises(BankError, match=r"huge\.glsl: \d+ bytes is too large"):
        load_bank(bank)
