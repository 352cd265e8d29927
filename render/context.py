"""The GL side: one headless moderngl context over EGL, programs, and batched atlas rendering.

Only worker processes import this module (moderngl is never imported by the parent). Frames are
drawn into the tiles of one float32 framebuffer (the atlas) and read back with a single blocking
read per atlas: that read, not the shading, is what limits a naive one-draw-one-read loop at small
sizes. A shader draws all its tiles of an atlas in one instanced call: each instance is a quad over
one tile, and the fragment shader reads its sample's time and parameters from a small float texture
(the sample table) at the row of the tile under gl_FragCoord (`render.dialects.atlas_fragment`). A
shader whose source cannot be rewritten that way (or a frame of odd size, where a 2x2 derivative
quad would straddle two tiles) falls back to one draw per tile with uniforms and its own viewport,
into the same atlas; `GLRenderer.fallbacks` names those shaders and why.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from render.dialects import atlas_fragment
from render.frames import untile

VERTEX_SHADER = """#version 330 core
in vec2 pos;
void main() { gl_Position = vec4(pos, 0.0, 1.0); }
"""
# One instance per tile: tile skd_first + gl_InstanceID, row-major in an atlas of skd_per tiles a side.
ATLAS_VERTEX_SHADER = """#version 330 core
in vec2 pos;
uniform int skd_first;
uniform int skd_per;
uniform int skd_px;
uniform vec2 skd_atlas;
void main() {
    int i = skd_first + gl_InstanceID;
    vec2 xy = (vec2(i % skd_per, i / skd_per) + pos) * float(skd_px);
    gl_Position = vec4(xy / skd_atlas * 2.0 - 1.0, 0.0, 1.0);
}
"""
MAX_ATLAS = 1024  # pixels per side of the atlas framebuffer (2048: 20% slower at 128 px, the atlas outgrows the caches)
TABLE_TEXELS = 5  # per sample: time, then uP0..uP3


class ShaderCompileError(Exception):
    """The driver rejected a shader; `log` holds its compiler/linker log."""

    def __init__(self, name: str, log: str):
        super().__init__(f"shader {name!r} does not compile:\n{log}")
        self.name, self.log = name, log


@dataclass
class Atlas:
    """One read-back: `pixels` float32 [rows * px, cols * px, 3] in GL order (row 0 at the bottom), tile i
    at row block i // cols from the bottom, column i % cols (`render.frames.untile` cuts it into frames);
    n tiles used; spans (group, first tile, tiles) say which group each run of tiles belongs to."""
    pixels: np.ndarray
    n: int
    spans: list


@dataclass
class Program:
    """A compiled shader: `atlas` True when it draws every tile of an atlas in one call."""
    name: str
    prog: object
    vao: object
    atlas: bool
    first: object = None  # the skd_first uniform of a one-draw program: the only one that changes per call


def uniform_table(uniforms) -> np.ndarray:
    """The sample table of n frames, float32 [n, TABLE_TEXELS, 4]: (time, 0, 0, 0), then uP0..uP3.
    `uniforms`: such a table already, or a list of dicts {"uTime": t, "uP0": (4 floats), ...}
    (a key left out is 0)."""
    if isinstance(uniforms, np.ndarray):
        return uniforms
    zero = (0.0, 0.0, 0.0, 0.0)
    rows = [[(u.get("uTime", 0.0), 0.0, 0.0, 0.0), u.get("uP0", zero), u.get("uP1", zero), u.get("uP2", zero),
             u.get("uP3", zero)] for u in uniforms]
    return np.array(rows, np.float32).reshape(-1, TABLE_TEXELS, 4)


class GLRenderer:
    """A standalone EGL context rendering square frames of `frame_px` pixels (size x supersample)."""

    def __init__(self, frame_px: int, egl_device: int | None = None, one_draw: bool = True):
        import moderngl  # only here: the parent process and train/ never load GL

        self._moderngl = moderngl
        kwargs = {"standalone": True, "backend": "egl"}
        if egl_device is not None:
            kwargs["device_index"] = egl_device
        try:
            with _quiet_stderr(os.environ.get("glsl_zero_init") == "true"):
                self.ctx = moderngl.create_context(**kwargs)
        except Exception as exc:  # moderngl raises plain Exceptions for EGL failures
            raise RuntimeError(
                f"could not create a headless OpenGL 3.3 context over EGL ({exc}). On Debian install "
                f"libegl1 libgl1-mesa-dri libegl-mesa0 (Mesa llvmpipe renders on the CPU); on a GPU "
                f"machine check the driver's EGL vendor file. `make setup` checks this."
            ) from exc
        self.frame_px = frame_px
        self.tiles_per_side = max(1, MAX_ATLAS // frame_px)
        side = self.tiles_per_side * frame_px
        self.side = side
        self.fbo = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((side, side), components=4, dtype="f4")])
        self.vbo = self.ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], dtype="f4").tobytes())
        self.quad = self.ctx.buffer(np.array([0, 0, 1, 0, 0, 1, 0, 1, 1, 0, 1, 1], dtype="f4").tobytes())
        self.table = self.ctx.texture((TABLE_TEXELS, self.batch_capacity), 4, dtype="f4")
        self.table.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self._pixels = np.empty(side * side * 3, np.float32)
        # an odd frame would put a 2x2 derivative quad across two tiles: only one draw per tile is exact
        self.one_draw = one_draw and frame_px % 2 == 0
        self.fallbacks: dict[str, str] = {}  # shader -> why it draws one tile per call

    @property
    def info(self) -> dict:
        info = self.ctx.info
        return {"moderngl": self._moderngl.__version__, "GL_RENDERER": info["GL_RENDERER"],
                "GL_VERSION": info["GL_VERSION"], "GL_VENDOR": info["GL_VENDOR"]}

    @property
    def batch_capacity(self) -> int:
        return self.tiles_per_side ** 2

    def compile(self, name: str, fragment: str) -> Program:
        """The one-draw program when the source allows it, else the one-draw-per-tile program."""
        if self.one_draw:
            variant = atlas_fragment(fragment)
            if variant is None:
                self.fallbacks[name] = "its source does not declare the engine uniforms where expected"
            else:
                try:
                    prog = self.ctx.program(vertex_shader=ATLAS_VERTEX_SHADER, fragment_shader=variant)
                    # what is the same for every call of this renderer, set once
                    values = {"skd_per": self.tiles_per_side, "skd_px": self.frame_px, "skd_samples": 0,
                              "skd_atlas": (float(self.side), float(self.side)),
                              "uRes": (float(self.frame_px), float(self.frame_px))}
                    for key, value in values.items():
                        if key in prog:
                            prog[key].value = value
                    return Program(name, prog, self.ctx.vertex_array(prog, [(self.quad, "2f", "pos")]), True,
                                   prog["skd_first"])
                except Exception as exc:  # the plain source decides whether the shader is broken
                    self.fallbacks[name] = f"the one-draw variant does not compile: {str(exc)[:300]}"
        try:
            prog = self.ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=fragment)
        except Exception as exc:  # moderngl.Error carries the driver's log in its message
            raise ShaderCompileError(name, str(exc)) from None
        return Program(name, prog, self.ctx.vertex_array(prog, [(self.vbo, "2f", "pos")]), False)

    def release(self, program: Program) -> None:
        program.vao.release()
        program.prog.release()

    def render(self, program: Program, uniforms: list[dict]) -> np.ndarray:
        """Draw one frame per uniform dict; return float32 [n, frame_px, frame_px, 3], row 0 at the top."""
        return self.render_groups([(program, uniforms)])[0]

    def render_groups(self, groups, before_draw=None, max_tiles: int | None = None) -> list[np.ndarray]:
        """Frames of several shaders, packed into as few atlases as fit, one read-back per atlas.

        groups: [(Program, uniforms)], uniforms as `uniform_table` takes them; returns one float32
        [n, frame_px, frame_px, 3] array per group, row 0 at the top. See `draw_atlases` for
        before_draw and max_tiles.
        """
        out = [[] for _ in groups]
        for atlas in self.draw_atlases(groups, before_draw, max_tiles):
            frames = untile(atlas.pixels, atlas.n, self.frame_px)
            for g, tile, n in atlas.spans:
                out[g].append(frames[tile:tile + n])
        empty = np.zeros((0, self.frame_px, self.frame_px, 3), np.float32)
        return [np.concatenate(parts) if parts else empty for parts in out]

    def draw_atlases(self, groups, before_draw=None, max_tiles: int | None = None):
        """Draw the frames of several shaders into as few atlases as fit; yield each `Atlas` as read back.

        groups: [(Program, uniforms)], uniforms as `uniform_table` takes them. The tiles of all atlases,
        in order, are the frames of the groups in order. A group draws in calls of at most `max_tiles`
        tiles, each preceded by before_draw(name) and followed by a wait for the rasteriser, so that a
        watchdog can tell a slow shader from a stuck one. Uniforms the compiler optimised away are
        skipped. An atlas's pixels live in a buffer the next atlas overwrites: use them before asking
        for the next.
        """
        cap = self.batch_capacity
        step = min(cap, max_tiles or cap)
        calls = []  # (group, program, uniforms)
        for g, (program, uniforms) in enumerate(groups):
            uniforms = uniform_table(uniforms)
            for a in range(0, len(uniforms), step):
                calls.append((g, program, uniforms[a:a + step]))
        atlas, used = [], 0
        for call in calls + [None]:
            if call is None or used + len(call[2]) > cap:
                if atlas:
                    yield self._draw_atlas(atlas, before_draw)
                atlas, used = [], 0
                if call is None:
                    break
            atlas.append(call)
            used += len(call[2])

    def _draw_atlas(self, calls, before_draw) -> "Atlas":
        px, per = self.frame_px, self.tiles_per_side
        n = sum(len(c[2]) for c in calls)
        self.fbo.use()
        if any(c[1].atlas for c in calls):
            table = np.concatenate([c[2] for c in calls]) if len(calls) > 1 else calls[0][2]
            self.table.write(np.ascontiguousarray(table), viewport=(0, 0, TABLE_TEXELS, n))
            self.table.use(0)
        tile, spans = 0, []
        for g, program, uniforms in calls:
            if before_draw is not None:
                before_draw(program.name)
            if program.atlas:
                self._draw_one_call(program, tile, len(uniforms))
            else:
                self._draw_per_tile(program, tile, uniforms)
            if before_draw is not None:
                self.ctx.finish()
            if spans and spans[-1][0] == g:  # a group split into several calls is one span
                spans[-1] = (g, spans[-1][1], spans[-1][2] + len(uniforms))
            else:
                spans.append((g, tile, len(uniforms)))
            tile += len(uniforms)
        rows = (n + per - 1) // per
        width = min(n, per) * px
        # read into one buffer reused by every atlas: no 12 MB allocation per read-back at 32 px
        pixels = self._pixels[:rows * px * width * 3].reshape(rows * px, width, 3)
        self.fbo.read_into(pixels, viewport=(0, 0, width, rows * px), components=3, dtype="f4")
        return Atlas(pixels, n, spans)

    def _draw_one_call(self, program: Program, first: int, n: int) -> None:
        self.ctx.viewport = (0, 0, self.side, self.side)
        program.first.value = first
        program.vao.render(self._moderngl.TRIANGLES, instances=n)

    def _draw_per_tile(self, program: Program, first: int, table: np.ndarray) -> None:
        prog, px, per = program.prog, self.frame_px, self.tiles_per_side
        names = {n for n in ("uRes", "uTile", "uTime", "uP0", "uP1", "uP2", "uP3") if n in prog}
        if "uRes" in names:
            prog["uRes"].value = (float(px), float(px))
        params = [(f"uP{j}", j + 1) for j in range(4) if f"uP{j}" in names]
        for i, row in enumerate(table.tolist(), first):
            x, y = (i % per) * px, (i // per) * px
            self.ctx.viewport = (x, y, px, px)
            if "uTile" in names:
                prog["uTile"].value = (float(x), float(y))
            if "uTime" in names:
                prog["uTime"].value = row[0][0]
            for key, j in params:
                prog[key].value = tuple(row[j])
            program.vao.render(self._moderngl.TRIANGLES)

    def close(self) -> None:
        self.ctx.release()


class _quiet_stderr:
    """Mesa prints an 'ATTENTION: default value of option ... overridden' line when the driver loads
    with an option set by environment; silence the C-level stderr for that moment only."""

    def __init__(self, active: bool):
        self.active = active

    def __enter__(self):
        if self.active:
            self.saved = os.dup(2)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 2)
            os.close(devnull)

    def __exit__(self, *exc):
        if self.active:
            os.dup2(self.saved, 2)
            os.close(self.saved)
