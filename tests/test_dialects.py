"""External banks: Shadertoy and twigl sources load, report what they cannot be given, and compile
to fragments that read only the engine's uniforms (compiled and drawn with the engine on llvmpipe)."""
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from render import dialects
from render.bank import BankError, load_bank

os.environ.setdefault("LP_NUM_THREADS", "1")
FIXTURES = Path(__file__).parent / "fixtures" / "banks"
ENGINE_NAMES = {"uTime", "uRes", "uP0", "uP1", "uP2", "uP3", "uTile", "pos"}  # pos: the vertex input
# In one draw per atlas, the per-sample values come from the sample table instead (render/context.py).
ONE_DRAW_NAMES = {"uRes", "pos", "skd_samples", "skd_px", "skd_per", "skd_first", "skd_atlas",
                  "gl_InstanceID"}


@pytest.fixture(scope="module")
def gl():
    pytest.importorskip("moderngl")
    from render.context import GLRenderer

    renderer = GLRenderer(16)
    yield renderer
    renderer.close()


def _render(gl, shader, uniforms):
    prog = gl.compile(shader.name, shader.fragment)
    try:
        return gl.render(prog, uniforms)
    finally:
        gl.release(prog)


def _uniforms(t=1.5, p0=(0.3, 0.6, 0.9, 0.2), p1=(0.1, 0.2, 0.3, 0.4)):
    return {"uTime": t, "uP0": p0, "uP1": p1, "uP2": (0.5,) * 4, "uP3": (0.5,) * 4}


def _one(tmp_path, code, name="x.glsl"):
    path = tmp_path / name
    path.write_text(code)
    return dialects.from_glsl_file(path)


# ---- loading and detection ----

def test_fixture_directory_loads_every_dialect():
    bank = load_bank(FIXTURES / "glsl")
    by = bank.by_name()
    assert {s.dialect for s in bank.shaders} == {"shadertoy", "twigl-classic", "twigl-geek", "twigl-geeker",
                                                 "twigl-geekest"}
    assert by["twigl_geeker"].meta["glsl"] == "es300" and by["twigl_geekest100"].meta["glsl"] == "es100"
    assert by["st_shadertoy_plasma"].family == "shadertoy" and by["twigl_geek"].family == "twigl"
    assert by["st_shadertoy_plasma"].licence == "MIT"          # recognised from the header comment
    assert by["twigl_geekest"].licence.startswith("CC0")        # `// licence:` header line
    assert by["twigl_geek"].licence == "unknown"
    texture = by["st_shadertoy_texture"]
    assert not texture.usable and "iChannel0" in texture.unsupported and texture.fragment == ""
    assert by["st_shadertoy_broken"].usable   # compile failures are the engine's to report
    assert sum(s.usable for s in bank.shaders) == len(bank) - 1


def test_twigl_records_modes_and_what_cannot_be_served():
    shaders = {s.name: s for s in dialects.load_file(FIXTURES / "twigl.jsonl")}
    assert shaders["tw_classic_300"].dialect == "twigl-classic" and shaders["tw_classic_300"].licence == "MIT"
    assert shaders["tw-geekest-mrt"].meta["glsl"] == "mrt"
    assert shaders["tw-auto"].dialect == "twigl-geekest"       # no mode, no main: a geekest body
    assert "backbuffer" in shaders["tw-backbuffer"].unsupported
    assert "sound" in shaders["tw-sound"].unsupported
    assert shaders["tw-geeker"].origin.endswith("twigl.jsonl:3")
    assert [s.name for s in shaders.values() if not s.usable] == ["tw-backbuffer", "tw-sound"]


def test_shadertoy_export_common_pass_multipass_and_inputs():
    shaders = {s.name: s for s in dialects.load_file(FIXTURES / "shadertoy_export.json")}
    common = shaders["st_fxAbCd"]
    assert common.usable and "vec3 pal(float t)" in common.fragment
    assert common.fragment.index("vec3 pal(") < common.fragment.index("void mainImage(")
    assert common.meta["username"] == "shaderkd" and common.licence == "MIT"
    assert "multipass" in shaders["st_fxBuff"].unsupported and "Buffer A" in shaders["st_fxBuff"].unsupported
    assert "keyboard" in shaders["st_fxKeys"].unsupported
    assert shaders["st_fxKeys"].licence.startswith("CC BY-NC-SA 3.0")  # Shadertoy's default terms


def test_comments_are_neither_detected_nor_edited(tmp_path):
    code = ("// uses iChannel0 in a comment only; uniform float speed;\n/* texture(iChannel1, uv) */\n"
            "void mainImage(out vec4 c, in vec2 f) { c = vec4(f / iResolution.xy, 0.0, 1.0); } // gl_FragCoord\n")
    s = _one(tmp_path, code)
    assert s.usable
    assert "// uses iChannel0 in a comment only; uniform float speed;" in s.fragment
    assert "} // gl_FragCoord\n" in s.fragment and "/* texture(iChannel1, uv) */" in s.fragment


def test_own_uniforms_become_zero_globals_but_samplers_are_unsupported(tmp_path):
    s = _one(tmp_path, "uniform float speed; uniform vec2 iResolution;\n"
                       "void mainImage(out vec4 c, in vec2 f) { c = vec4(speed); }\n")
    assert s.usable and "float speed = float(0);" in s.fragment and s.meta["zeroed_uniforms"] == ["speed"]
    assert not re.search(r"\buniform\s+\w+\s+(speed|iResolution)\b", s.fragment)
    t = _one(tmp_path, "uniform sampler2D tex;\nvoid mainImage(out vec4 c, in vec2 f) { c = vec4(1); }\n")
    assert not t.usable and "sampler2D tex" in t.unsupported


def test_sound_only_and_mainless_sources_are_reported(tmp_path):
    sound = _one(tmp_path, "vec2 mainSound(int s, float t) { return vec2(sin(t)); }\nvoid mainImage(out vec4 c, in vec2 f);\n")
    assert sound.usable  # a declared mainImage is still an image shader; the compiler decides
    only_sound = dialects.from_record({"id": "snd", "code": "vec2 mainSound(int s, float t) { return vec2(0); }"},
                                      "x.jsonl:1", "x-0")
    assert "sound" in only_sound.unsupported


def test_bad_records_raise_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "code": "void mainImage(out vec4 c, in vec2 f) {}"}\n{not json\n')
    with pytest.raises(dialects.DialectError, match=r"bad\.jsonl:2: not valid JSON"):
        dialects.load_file(bad)
    bad.write_text('{"id": "a", "source": "x"}\n')
    with pytest.raises(dialects.DialectError, match=r"bad\.jsonl:1: field 'code' is missing"):
        dialects.load_file(bad)
    bad.write_text('{"name": "a", "mode": "geekiest", "code": "o=vec4(1);"}\n')
    with pytest.raises(dialects.DialectError, match="unknown twigl mode 'geekiest'"):
        dialects.load_file(bad)
    lines = tmp_path / "lines.json"
    lines.write_text('{"code": "o=vec4(1);"}\n{"code": "o=vec4(0);"}\n')
    with pytest.raises(dialects.DialectError, match="name the file .jsonl"):
        dialects.load_file(lines)
    with pytest.raises(dialects.DialectError, match="unknown bank file type"):
        dialects.load_file(tmp_path / "bank.txt")


def test_names_are_sanitised_and_duplicates_refused(tmp_path):
    path = tmp_path / "tw.json"
    path.write_text(json.dumps([{"name": "my shader/1", "code": "o=vec4(1);"}, {"code": "o=vec4(0.5);"}]))
    assert [s.name for s in load_bank(path).shaders] == ["my_shader_1", "tw-1"]
    path.write_text(json.dumps([{"name": "a b", "code": "o=vec4(1);"}, {"name": "a_b", "code": "o=vec4(0);"}]))
    with pytest.raises(BankError, match="already used"):
        load_bank(path)


def test_bank_hash_covers_unsupported_sources(tmp_path):
    def bank_with(code):
        path = tmp_path / "b.jsonl"
        path.write_text(json.dumps({"id": "tex", "code": code}) + "\n")
        return load_bank(path)

    a = bank_with("void mainImage(out vec4 c, in vec2 f) { c = texture(iChannel0, f); }")
    b = bank_with("void mainImage(out vec4 c, in vec2 f) { c = texture(iChannel0, f * 2.0); }")
    assert not a.shaders[0].usable and a.hash != b.hash


# ---- compiled with the engine ----

def test_every_usable_fixture_compiles_reads_only_engine_uniforms_and_draws(gl):
    from render.context import ShaderCompileError

    shaders = [s for p in sorted(FIXTURES.rglob("*.json*")) for s in dialects.load_file(p)]
    shaders += list(load_bank(FIXTURES / "glsl").shaders)
    drawn = 0
    for s in (s for s in shaders if s.usable):
        if s.name == "st_shadertoy_broken":
            with pytest.raises(ShaderCompileError, match=r"0:5\(\d+\): error: `undefinedThing' undeclared"):
                gl.compile(s.name, s.fragment)   # the log points at the user's own line 5
            continue
        prog = gl.compile(s.name, s.fragment)
        assert prog.atlas, f"{s.name} falls back to one draw per tile: {gl.fallbacks.get(s.name)}"
        assert set(prog.prog) <= ONE_DRAW_NAMES, f"{s.name} reads {set(prog.prog) - ONE_DRAW_NAMES}"
        wrapper = s.fragment.split("\n#line")[0]  # as written, the wrapper declares engine uniforms only
        assert set(re.findall(r"\buniform\s+\w+\s+(\w+)", wrapper)) <= ENGINE_NAMES
        frames = gl.render(prog, [_uniforms(0.5), _uniforms(7.0, p0=(0.8, 0.1, 0.5, 0.9))])
        gl.release(prog)
        assert np.isfinite(frames).all(), s.name
        assert frames.std() > 0.01, f"{s.name} draws a flat image"
        drawn += 1
    assert drawn == 12   # 5 twigl records, 1 Shadertoy export, 6 .glsl files


def test_fragcoord_is_relative_to_the_tile(gl):
    """Two identical samples land in different atlas tiles; both must see the same pixel coordinates."""
    for name in ("st_shadertoy_plasma", "twigl_classic", "twigl_geekest"):
        s = load_bank(FIXTURES / "glsl").by_name()[name]
        frames = _render(gl, s, [_uniforms(), _uniforms()])
        assert np.array_equal(frames[0], frames[1]), name


def test_shadertoy_inputs_map_to_engine_uniforms(gl, tmp_path):
    s = _one(tmp_path, "void mainImage(out vec4 c, in vec2 f) {\n"
                       "  c = vec4(iMouse.xy / iResolution.xy, iMouse.z > 0.0 ? 1.0 : iMouse.z < 0.0 ? 0.5 : 0.0,\n"
                       "           iTime / 100.0 + float(iFrame) * 0.0); }\n")
    pressed, hover, never = _render(gl, s, [_uniforms(2.0, p0=(0.25, 0.75, 0.9, 0.0)),
                                            _uniforms(2.0, p0=(0.25, 0.75, 0.5, 0.0)),
                                            _uniforms(2.0, p0=(0.25, 0.75, 0.1, 0.0))])
    # iMouse.xy sits on the pixel centre nearest the parameter (16 px frame).
    assert np.allclose(pressed[0, 0], [4.5 / 16, 12.5 / 16, 1.0], atol=1e-5)
    assert np.allclose(hover[0, 0, 2], 0.5) and np.allclose(never[0, 0], [0.0, 0.0, 0.0])


def test_mainimage_colour_starts_at_zero_and_user_can_redefine_inputs(gl, tmp_path):
    s = _one(tmp_path, "#define iTime (iTime + 78.0)\n"
                       "void mainImage(out vec4 c, in vec2 f) { c.rgb += vec3(0.25, iTime / 100.0, 0.0); }\n")
    frame = _render(gl, s, [_uniforms(2.0)])[0]
    assert np.allclose(frame[..., 0], 0.25) and np.allclose(frame[..., 1], 0.8, atol=1e-5)


def test_twigl_inputs_and_swizzles(gl, tmp_path):
    s = _one(tmp_path, "precision highp float;uniform vec2 r;uniform vec2 m;uniform float t;\n"
                       "void main(){vec4 c=vec4(t/10.,r.x/32.,m.y,1);gl_FragColor=vec4(c.r,c.g,c.b*c.a,1);}\n")
    assert s.dialect == "twigl-geek"
    frame = _render(gl, s, [_uniforms(3.0, p0=(0.1, 0.7, 0.0, 0.0))])[0]
    assert np.allclose(frame[0, 0], [0.3, 0.5, 0.7], atol=1e-5)


def test_geekest_helpers(gl, tmp_path):
    s = _one(tmp_path, "// twigl: geekest 300\n"
                       "vec2 v=rotate2D(PI*.5)*vec2(1,0);vec3 w=rotate3D(PI2*.25,vec3(0,0,1))*vec3(1,0,0);\n"
                       "float n=snoise2D(FC.xy*.37)+snoise3D(vec3(FC.xy*.21,t))+snoise4D(vec4(FC.xy*.13,t,1));\n"
                       "o=vec4(hsv(0.,1.,1.).r*.5+v.y*.25+w.y*.25,abs(n)/3.,fsnoise(FC.xy),1);\n")
    frame = _render(gl, s, [_uniforms()])[0]
    assert np.allclose(frame[..., 0], 1.0, atol=1e-5)      # red, rotations by a quarter turn map x to y
    assert 0.0 < frame[..., 1].mean() < 1.0 and frame[..., 1].std() > 0.01   # the noises vary and stay bounded
    assert frame[..., 2].std() > 0.1                          # fsnoise is a per-pixel hash
