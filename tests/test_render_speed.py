"""Render speed without changing a pixel: one draw per atlas, the check cache, the PNG encoder."""
import ast
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT, SIMPLE, shared_path, write_bank
from render import dialects
from render.bank import load_bank
from render.checkcache import CheckCache
from render.frames import decode_png, encode_png
from render.params import draw
from render.run import RenderConfig, render_set

os.environ.setdefault("glsl_zero_init", "true")  # as in a render worker (Shadertoy sources rely on it)


def _uniforms(spec) -> dict:
    return {"uTime": spec.time, **{f"uP{j}": v for j, v in enumerate(spec.params)}}


def _same_pixels(shaders, frame_px, per_shader, seed=7):
    """Every shader drawn one tile per call with uniforms (the old path) and all tiles in one call
    (the new one); returns the names whose float frames differ in any bit."""
    pytest.importorskip("moderngl")
    from render.context import GLRenderer, ShaderCompileError

    old, new = GLRenderer(frame_px, one_draw=False), GLRenderer(frame_px)
    differ, compared = [], 0
    try:
        for s in shaders:
            try:
                po = old.compile(s.name, s.fragment)
            except ShaderCompileError:
                continue
            pn = new.compile(s.name, s.fragment)
            assert pn.atlas, f"{s.name} fell back to one draw per tile: {new.fallbacks.get(s.name)}"
            u = [_uniforms(draw(seed, i, 0, [s.name], set())) for i in range(per_shader)]
            a, b = old.render(po, u), new.render(pn, u)
            if not np.array_equal(a.view(np.uint32), b.view(np.uint32)):
                differ.append(s.name)
            compared += 1
            old.release(po)
            new.release(pn)
    finally:
        old.close()
        new.close()
    return differ, compared


# ---- one draw per atlas: the same pixels as one draw per tile ----

def test_one_draw_gives_the_same_pixels_on_a_sample_of_the_project_bank():
    shaders = [s for s in load_bank(ROOT / "shaders").shaders if s.usable][::12]
    differ, compared = _same_pixels(shaders, 32, per_shader=5)
    assert compared == len(shaders) and not differ


@pytest.mark.slow
def test_one_draw_gives_the_same_pixels_on_the_whole_project_bank():
    shaders = [s for s in load_bank(ROOT / "shaders").shaders if s.usable]
    for frame_px in (32, 64):
        differ, compared = _same_pixels(shaders, frame_px, per_shader=3)
        assert compared == len(shaders) and not differ, (frame_px, differ)


@pytest.mark.slow
def test_one_draw_gives_the_same_pixels_on_a_sample_of_the_shadertoy_corpus(tmp_path):
    corpus = shared_path("data", "shadertoy-permissive", "shaders.jsonl")
    lines = corpus.read_text().splitlines()
    sample = tmp_path / "sample.jsonl"
    sample.write_text("\n".join(lines[::len(lines) // 40]) + "\n")  # 40 shaders spread over the corpus
    shaders = [s for s in load_bank(sample).shaders if s.usable]
    differ, compared = _same_pixels(shaders, 32, per_shader=2)
    assert compared >= 30 and not differ


def test_atlas_rewrite_touches_only_the_engine_declarations():
    s = load_bank(ROOT / "shaders").shaders[0]
    variant = dialects.atlas_fragment(s.fragment)
    head, body = variant.split("\n#line 1\n", 1)
    assert body == s.fragment.split("\n#line 1\n", 1)[1]  # the user's code is untouched
    assert "uniform vec2 uRes;" in head and "uniform float uTime;" not in head and "uniform vec2 uTile;" not in head
    # a source without the engine's declarations cannot take the path
    assert dialects.atlas_fragment("#version 330 core\nuniform float uTime;\n#line 1\nvoid main() {}\n") is None
    assert dialects.atlas_fragment(s.fragment.replace("\n#line 1\n", "\n")) is None


def test_fallback_shaders_share_the_atlas_and_are_counted():
    pytest.importorskip("moderngl")
    from render.context import GLRenderer

    bank = load_bank(ROOT / "shaders")
    s = bank.shaders[3]
    # The same shader with its engine declarations where the rewrite does not look (after #line):
    # it must draw through the per-tile path, with the same pixels.
    head, body = s.fragment.split("\n#line 1\n", 1)
    decls = [ln for ln in head.splitlines() if ln.startswith("uniform ")]
    moved = "\n".join(ln for ln in head.splitlines() if not ln.startswith("uniform ")).replace(
        "out vec4 fragColor;", "out vec4 fragColor;\n#line 1\n" + "\n".join(decls), 1) + "\n#line 1\n" + body
    gl = GLRenderer(16)
    try:
        a, b = gl.compile("atlas", s.fragment), gl.compile("fallback", moved)
        assert a.atlas and not b.atlas and "fallback" in gl.fallbacks and "atlas" not in gl.fallbacks
        u = [_uniforms(draw(3, i, 0, [s.name], set())) for i in range(gl.batch_capacity + 5)]
        calls = []
        # more samples than one atlas holds, both paths interleaved in the same atlases
        fa, fb = gl.render_groups([(a, u), (b, u)], before_draw=calls.append, max_tiles=16)
        assert np.array_equal(fa, fb) and fa.shape == (len(u), 16, 16, 3)
        assert calls.count("atlas") == -(-len(u) // 16)  # one announced call per 16 tiles
        alone = gl.render(a, u[:7])
        assert np.array_equal(alone, fa[:7])
    finally:
        gl.close()
    odd = GLRenderer(15)  # a 2x2 derivative quad would straddle two tiles: one draw per tile
    try:
        assert not odd.compile(s.name, s.fragment).atlas
    finally:
        odd.close()


# ---- the check cache ----

def test_check_cache_keys_and_damage(tmp_path):
    r = {"GL_RENDERER": "llvmpipe"}
    c = CheckCache(tmp_path, r, 32, 1, 2)
    assert c.get("src") is None
    c.put("src", "ok", "", 1.5)
    assert c.get("src") == {"status": "ok", "detail": "", "ms": 1.5}
    for other in (CheckCache(tmp_path, {"GL_RENDERER": "other"}, 32, 1, 2), CheckCache(tmp_path, r, 64, 1, 2),
                  CheckCache(tmp_path, r, 32, 2, 2), CheckCache(tmp_path, r, 32, 1, 3)):
        assert other.get("src") is None
    assert c.get("src2") is None
    for path in tmp_path.rglob("*.json"):
        path.write_text('{"status": "o')  # torn by a crash
    assert c.get("src") is None
    off = CheckCache(None, r, 32, 1, 2)
    off.put("src", "ok", "", 1.0)
    assert off.get("src") is None


def test_second_set_takes_the_check_from_the_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("SHADERKD_CHECK_CACHE", str(cache))
    bank = write_bank(tmp_path / "bank", SIMPLE)
    cfg = dict(bank=str(bank), count=20, size=16, shard_size=20, workers=1)
    render_set(RenderConfig(out=str(tmp_path / "a"), **cfg))
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == len(SIMPLE)
    # Plant a result: if the second set reads the cache, the planted shader is excluded without a check.
    for path in entries:
        entry = json.loads(path.read_text())
        assert entry["status"] == "ok" and entry["ms"] > 0
    entries[0].write_text(json.dumps({"status": "compile", "detail": "planted", "ms": None}))
    manifest = render_set(RenderConfig(out=str(tmp_path / "b"), **cfg))
    assert [e["detail"] for e in manifest["bank"]["excluded"]] == ["planted"]
    monkeypatch.setenv("SHADERKD_CHECK_CACHE", "off")
    manifest = render_set(RenderConfig(out=str(tmp_path / "c"), **cfg))
    assert manifest["bank"]["excluded"] == []


@pytest.mark.slow
def test_a_hang_is_cached_so_the_next_set_does_not_wait_for_it(tmp_path, monkeypatch):
    from test_render import HANG

    monkeypatch.setenv("SHADERKD_CHECK_CACHE", str(tmp_path / "cache"))
    bank = write_bank(tmp_path / "bank", {**SIMPLE, "t_hang": HANG})
    cfg = dict(bank=str(bank), count=20, size=64, shard_size=20, workers=1, time_budget=2.0)
    first = render_set(RenderConfig(out=str(tmp_path / "a"), **cfg))
    assert [(e["shader"], e["reason"]) for e in first["bank"]["excluded"]] == [("t_hang", "hang")]
    hangs = [p for p in (tmp_path / "cache").rglob("*.json") if json.loads(p.read_text())["status"] == "hang"]
    assert len(hangs) == 1
    hangs[0].write_text(json.dumps({**json.loads(hangs[0].read_text()), "detail": "from the cache"}))
    second = render_set(RenderConfig(out=str(tmp_path / "b"), **cfg))
    assert [(e["shader"], e["reason"], e["detail"]) for e in second["bank"]["excluded"]] == \
        [("t_hang", "hang", "from the cache")]  # not checked again: no wait for the watchdog


# ---- PNG ----

def test_png_round_trips_rgb_and_grey_and_refuses_other_arrays():
    rng = np.random.default_rng(0)
    for shape in ((32, 32, 3), (7, 5, 3), (9, 16)):
        a = rng.integers(0, 256, shape, dtype=np.uint8)
        data = encode_png(a)
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and np.array_equal(decode_png(data), a)
        assert encode_png(a) == data  # deterministic
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="uint8"):
        encode_png(np.zeros((4, 4, 4), np.uint8))


# ---- layout ----

def test_render_modules_import_no_cycle():
    graph = {}
    for path in sorted((ROOT / "render").glob("*.py")):
        mod, deps = path.stem, set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "render":
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("render."):
                deps.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                deps |= {a.name.split(".")[1] for a in node.names if a.name.startswith("render.")}
        graph[mod] = deps - {mod}

    def reaches(a, b, seen=()):
        return any(d == b or (d not in seen and reaches(d, b, (*seen, d))) for d in graph.get(a, ()))

    cycles = sorted(m for m in graph if reaches(m, m))
    assert not cycles, f"import cycles through {cycles}"


def test_a_render_parent_imports_neither_numpy_nor_pillow(small_bank, tmp_path):
    """Only the worker draws, checks and encodes: the parent process of a render (the CLI and render_set)
    loads neither numpy nor Pillow (~0.1 s of CPU per process, bench/NOTES-render.md section 15)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from render.run import RenderConfig, render_set\n"
        "import render.cli\n"
        f"render_set(RenderConfig(bank={str(small_bank)!r}, out={str(tmp_path / 'set')!r}, count=10, size=8, "
        "shard_size=5, workers=1))\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'numpy', 'PIL'}))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"
    assert (tmp_path / "set" / "manifest.json").exists()


# ---- tar ----

def test_shard_bytes_equal_what_tarfile_writes(tmp_path):
    """write_shard builds ustar headers itself (for speed): byte for byte what tarfile wrote before."""
    import io
    import tarfile

    from shards import format as fmt

    rng = np.random.default_rng(1)
    samples = [(i * 7 + 3, rng.integers(0, 256, int(n), dtype=np.uint8).tobytes(), {"index": i, "x": "é" * int(n % 5)})
               for i, n in enumerate([0, 1, 511, 512, 513, 1500, 10239, 10240, 20000])]
    for chosen in (samples, samples[:1], []):
        entry = fmt.write_shard(tmp_path / "s.tar", chosen)
        ref = io.BytesIO()
        with tarfile.open(fileobj=ref, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for index, png, record in chosen:
                for name, data in ((f"{fmt.key_of(index)}.png", png), (f"{fmt.key_of(index)}.json", fmt.dumps_record(record))):
                    info = tarfile.TarInfo(name)
                    info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(data), 0, 0o444, 0, 0, "", ""
                    tar.addfile(info, io.BytesIO(data))
        assert (tmp_path / "s.tar").read_bytes() == ref.getvalue()
        assert entry["bytes"] == len(ref.getvalue()) and entry["count"] == len(chosen)


def test_dumps_record_is_json_dumps_with_the_format_s_options():
    """dumps_record keeps one encoder instead of json.dumps building one per record: the same bytes."""
    from shards import format as fmt

    rng = np.random.default_rng(3)
    records = [{"index": 7, "shader": "st_é\u2603\"q", "time": 1e-7, "params": [[0.1, 2.5e300, -0.0, 1 / 3]] * 4,
                "nested": {"b": [1, True, None], "a": "x"}, "big": 2 ** 70}]
    records += [{"index": i, "time": float(np.float32(rng.random() * 60)), "params": rng.random((4, 4)).tolist(),
                 "seed": int(rng.integers(1 << 62)), "shader": f"s{i}"} for i in range(200)]
    for r in records:
        assert fmt.dumps_record(r) == json.dumps(r, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    with pytest.raises(ValueError):
        fmt.dumps_record({"time": float("nan")})


def test_shard_bytes_equal_what_tarfile_writes_when_written_in_chunks(tmp_path, monkeypatch):
    """write_shard joins, hashes and writes members in chunks of WRITE_CHUNK bytes: a chunk boundary
    anywhere gives the same bytes and sha256 as one chunk."""
    import hashlib

    from shards import format as fmt

    rng = np.random.default_rng(2)
    samples = [(i, rng.integers(0, 256, int(n), dtype=np.uint8).tobytes(), {"index": i, "t": float(n) / 7})
               for i, n in enumerate(rng.integers(0, 3000, 40))]
    one = fmt.write_shard(tmp_path / "one.tar", samples)
    for chunk in (1, 700, 5000):
        monkeypatch.setattr(fmt, "WRITE_CHUNK", chunk)
        entry = fmt.write_shard(tmp_path / f"c{chunk}.tar", samples)
        data = (tmp_path / f"c{chunk}.tar").read_bytes()
        assert data == (tmp_path / "one.tar").read_bytes()
        assert entry["sha256"] == one["sha256"] == hashlib.sha256(data).hexdigest() and entry["bytes"] == len(data)


def test_a_rendered_shard_is_what_tarfile_writes_for_its_members(small_bank, tmp_path):
    """Every shard of a rendered set, byte for byte the archive tarfile writes for its members (names,
    PNG and JSON bytes) with the format's fixed metadata, and each record what dumps_record writes."""
    import io
    import tarfile

    from shards import format as fmt

    out = tmp_path / "set"
    render_set(RenderConfig(bank=str(small_bank), out=str(out), count=60, size=16, shard_size=25, workers=1))
    paths = fmt.shard_paths(out)
    assert len(paths) == 3
    for path in paths:
        data = path.read_bytes()
        ref = io.BytesIO()
        with tarfile.open(fileobj=io.BytesIO(data)) as src, \
                tarfile.open(fileobj=ref, mode="w", format=tarfile.USTAR_FORMAT) as tar:
            for member in src:
                body = src.extractfile(member).read()
                if member.name.endswith(".json"):
                    assert body == fmt.dumps_record(json.loads(body))
                info = tarfile.TarInfo(member.name)
                info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(body), 0, 0o444, 0, 0, "", ""
                tar.addfile(info, io.BytesIO(body))
        assert data == ref.getvalue(), path.name


# ---- per atlas: checks, resolve and PNG over all tiles at once ----

def test_atlas_checks_give_the_images_and_reasons_of_per_frame_checks():
    from render import frames as F

    rng = np.random.default_rng(5)
    for px, k, per, n in ((8, 1, 4, 1), (8, 1, 4, 4), (8, 1, 4, 11), (8, 2, 4, 7), (6, 1, 3, 9)):
        rows, width = -(-n // per), min(n, per) * px
        atlas = (rng.standard_normal((rows * px, width, 3)) * 0.7 + 0.5).astype(np.float32)
        atlas[0:px, 0:px] = 0.25                        # tile 0 flat
        if n > 1:
            atlas[1, px + 2, 0] = np.nan                # tile 1: one NaN
        if n > 2:
            atlas[px - 1, 2 * px + 1, 2] = -np.inf      # tile 2: one -inf
        if n > per and n % per:
            atlas[-1, -1] = np.nan                      # an unused tile: must not matter
        want = F.finish(F.untile(atlas, n, px), k)
        got = F.finish_atlas(atlas.copy(), n, px, k)
        assert np.array_equal(want[0], got[0]) and want[1] == got[1], (px, k, n)
        assert got[1][0] == "constant" and (n < 3 or got[1][1:3] == ["nonfinite", "nonfinite"])
    # all finite (the sum test alone), finite values whose float32 sum overflows (the per-value test
    # finds them finite), a NaN only in an unused tile
    for case in ("finite", "overflow", "unused"):
        px, per, n = 8, 4, 7
        atlas = (rng.standard_normal((2 * px, per * px, 3)) * 0.7 + 0.5).astype(np.float32)
        if case == "overflow":
            atlas[::2, ::3, 1] = 3e38
        if case == "unused":
            atlas[-1, -1, 0] = np.nan
        want = F.finish(F.untile(atlas, n, px), 1)
        got = F.finish_atlas(atlas.copy(), n, px, 1)
        assert np.array_equal(want[0], got[0]) and want[1] == got[1] and "nonfinite" not in got[1], case
    # untile: tile i is at row block i // cols from the bottom, rows flipped to top-down
    atlas = np.arange(2 * 2 * 3 * 2 * 1, dtype=np.float32).reshape(4, 6, 1)  # 2 rows x 3 cols of 2 px tiles
    frames = F.untile(atlas, 5, 2)
    assert np.array_equal(frames[4], atlas[2:4, 2:4][::-1]) and np.array_equal(frames[0], atlas[0:2, 0:2][::-1])


def test_batched_png_gives_the_bytes_of_one_by_one():
    from render import frames as F

    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (9, 12, 7, 3), dtype=np.uint8)
    images[2] = 40
    assert F.encode_pngs(images) == [F.encode_png(im) for im in images]
    assert F.encode_pngs(images[:0]) == []
    with pytest.raises(ValueError, match="uint8"):
        F.encode_pngs(images[0])


def test_shard_images_equal_frames_drawn_one_at_a_time(tmp_path):
    """The worker's whole path (sample table, one draw per shader per atlas, checks and resolve over
    the atlas, batched PNG) gives, for every record, the image of that sample drawn alone, one draw per
    tile with uniforms, and finished frame by frame."""
    pytest.importorskip("moderngl")
    from render import frames as F
    from render.context import GLRenderer
    from shards import format as fmt

    bank_dir = write_bank(tmp_path / "bank", SIMPLE)
    bank = load_bank(bank_dir)
    for size, k in ((16, 1), (8, 2)):
        out = tmp_path / f"set{size}"
        render_set(RenderConfig(bank=str(bank_dir), out=str(out), count=50, size=size, supersample=k,
                                shard_size=25, workers=1))
        gl = GLRenderer(size * k, one_draw=False)
        try:
            progs = {s.name: gl.compile(s.name, s.fragment) for s in bank.shaders}
            n = 0
            for path in fmt.shard_paths(out):
                for sample in fmt.iter_shard(path):
                    r = sample.record
                    spec = draw(r["seed"], r["index"], r["attempt"], bank.names, set())
                    assert spec.shader == r["shader"]
                    images, reasons = F.finish(gl.render(progs[spec.shader], [_uniforms(spec)]), k)
                    assert reasons == [""] and np.array_equal(decode_png(sample.png), images[0]), r["index"]
                    n += 1
            assert n == 50
        finally:
            gl.close()


# ---- the heartbeat: draws announced in shared memory, not by message ----

@pytest.mark.slow
def test_a_shard_stuck_in_a_shader_is_lost_with_that_shader_named(tmp_path):
    """A shader that passed its check can still hang in a shard: the watchdog sees the heartbeat stop
    and names the shader from the worker's shared-memory announcement (no message per draw)."""
    from collections import deque

    from render.pool import Lost, ShardJob, WorkerPool, worker_settings
    from test_render import HANG

    bank_dir = write_bank(tmp_path / "bank", {**SIMPLE, "t_hang": HANG})
    bank = load_bank(bank_dir)
    (tmp_path / "out" / ".parts").mkdir(parents=True)
    job = ShardJob(shard=0, name="shard-000000.tar", first_index=0, count=4, seed=1,
                   excluded=tuple(n for n in bank.names if n != "t_hang"), out_dir=str(tmp_path / "out"), max_attempts=4)
    t0 = time.monotonic()
    # a budget well under one frame of t_hang: llvmpipe ends its loops early (a 64 px frame took 0.5 s on
    # an idle AMD EPYC, 2 s and more under load), so with 2 s an idle machine drew the whole shard
    with WorkerPool(1, worker_settings(str(bank_dir), bank.hash, 64, 1), time_budget=0.5) as pool:
        events = list(pool.dispatch(deque([job])))
    lost = [e for e in events if isinstance(e, Lost)]
    assert len(lost) == 1 and lost[0].shader == "t_hang" and "no progress" in lost[0].why
    assert time.monotonic() - t0 < 60


@pytest.mark.slow
def test_a_larger_set_is_byte_identical_across_runs_and_worker_counts(tmp_path, monkeypatch):
    """Thousands of PNGs through fresh worker processes: the shards' bytes must not depend on the
    process (with ISA-L's deflate, the same pixels sometimes came out as other bytes in another run)."""
    monkeypatch.setenv("SHADERKD_CHECK_CACHE", "off")
    digests = []
    for run, workers in enumerate((1, 2, 1)):
        m = render_set(RenderConfig(bank=str(ROOT / "shaders"), out=str(tmp_path / f"set{run}"), count=2400, size=32,
                                    seed=5, shard_size=800, workers=workers))
        digests.append([s["sha256"] for s in m["shards"]])
    assert digests[0] == digests[1] == digests[2] and len(digests[0]) == 3


def test_a_static_shader_is_cached_too(tmp_path, monkeypatch):
    monkeypatch.setenv("SHADERKD_CHECK_CACHE", str(tmp_path / "cache"))
    still = "vec3 shade(vec2 p) { return vec3(0.5 + 0.5 * p.x, 0.5 + 0.5 * p.y, 0.3); }"  # ignores time and parameters
    bank = write_bank(tmp_path / "bank", {**SIMPLE, "t_still": still})
    cfg = dict(bank=str(bank), count=10, size=16, shard_size=10, workers=1)
    first = render_set(RenderConfig(out=str(tmp_path / "a"), **cfg))
    assert [(e["shader"], e["reason"]) for e in first["bank"]["excluded"]] == [("t_still", "static")]
    static = [p for p in (tmp_path / "cache").rglob("*.json") if json.loads(p.read_text())["status"] == "static"]
    assert len(static) == 1
    static[0].write_text(json.dumps({**json.loads(static[0].read_text()), "detail": "from the cache"}))
    second = render_set(RenderConfig(out=str(tmp_path / "b"), **cfg))
    assert [(e["shader"], e["detail"]) for e in second["bank"]["excluded"]] == [("t_still", "from the cache")]


def test_near_constant_gives_the_answer_of_numpy_std():
    from render import frames as F

    rng = np.random.default_rng(11)
    images = []
    for _ in range(400):  # values spread around a standard deviation of 2: both sides of the line
        base = int(rng.integers(0, 250))
        images.append(np.clip(base + rng.integers(0, int(rng.integers(1, 9)), (8, 8, 3)), 0, 255))
    tie = np.zeros((8, 8, 3), np.int64)
    tie.reshape(-1)[::2] = 4  # half 0, half 4: variance exactly 4, std exactly MIN_STD: not constant
    images += [tie, tie + 100, np.full((8, 8, 3), 7), rng.integers(0, 256, (8, 8, 3))]
    images = np.stack(images).astype(np.uint8)
    want = images.reshape(len(images), -1).std(axis=1) < F.MIN_STD
    got = F.near_constant(images)
    assert np.array_equal(got, want) and 50 < want.sum() < len(images) - 50
    assert not got[-4] and not got[-3] and got[-2] and not got[-1]
