"""The GL side: one headless moderngl context over EGL, programs, and batched atlas rendering.

Only worker processes import this module (moderngl is never imported by the parent). A batch of
samples of one shader is drawn into tiles of one float32 framebuffer (one draw per tile, each with
its own uniforms and viewport) and read back with a single blocking read: that read, not the
shading, is what limits a naive one-draw-one-read loop at small sizes.
"""
from __future__ import annotations

import os

import numpy as np

VERTEX_SHADER = """#version 330 core
in vec2 pos;
void main() { gl_Position = vec4(pos, 0.0, 1.0); }
"""
MAX_ATLAS = 2048  # pixels per side of the atlas framebuffer


class ShaderCompileError(Exception):
    """The driver rejected a shader; `log` holds its compiler/linker log."""

    def __init__(self, name: str, log: str):
        super().__init__(f"shader {name!r} does not compile:\n{log}")
        self.name, self.log = name, log


class GLRenderer:
    """A standalone EGL context rendering square frames of `frame_px` pixels (size x supersample)."""

    def __init__(self, frame_px: int, egl_device: int | None = None):
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
        self.fbo = self.ctx.framebuffer(color_attachments=[self.ctx.renderbuffer((side, side), components=4, dtype="f4")])
        self.vbo = self.ctx.buffer(np.array([-1, -1, 3, -1, -1, 3], dtype="f4").tobytes())
        self._vaos: dict[int, object] = {}

    @property
    def info(self) -> dict:
        info = self.ctx.info
        return {"moderngl": self._moderngl.__version__, "GL_RENDERER": info["GL_RENDERER"],
                "GL_VERSION": info["GL_VERSION"], "GL_VENDOR": info["GL_VENDOR"]}

    @property
    def batch_capacity(self) -> int:
        return self.tiles_per_side ** 2

    def compile(self, name: str, fragment: str):
        try:
            prog = self.ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=fragment)
        except Exception as exc:  # moderngl.Error carries the driver's log in its message
            raise ShaderCompileError(name, str(exc)) from None
        vao = self.ctx.vertex_array(prog, [(self.vbo, "2f", "pos")])
        self._vaos[id(prog)] = vao
        return prog

    def release(self, prog) -> None:
        vao = self._vaos.pop(id(prog), None)
        if vao is not None:
            vao.release()
        prog.release()

    def render(self, prog, uniforms: list[dict]) -> np.ndarray:
        """Draw one frame per uniform dict; return float32 [n, frame_px, frame_px, 3], row 0 at the top.

        Uniforms the compiler optimised away are skipped. Batches larger than the atlas are split.
        """
        out = []
        cap = self.batch_capacity
        for start in range(0, len(uniforms), cap):
            out.append(self._render_atlas(prog, uniforms[start:start + cap]))
        return np.concatenate(out) if out else np.zeros((0, self.frame_px, self.frame_px, 3), np.float32)

    def _render_atlas(self, prog, uniforms: list[dict]) -> np.ndarray:
        px, per = self.frame_px, self.tiles_per_side
        vao = self._vaos[id(prog)]
        self.fbo.use()
        names = {n for n in ("uRes", "uTile", "uTime", "uP0", "uP1", "uP2", "uP3") if n in prog}
        if "uRes" in names:
            prog["uRes"].value = (float(px), float(px))
        n = len(uniforms)
        rows = (n + per - 1) // per
        for i, u in enumerate(uniforms):
            x, y = (i % per) * px, (i // per) * px
            self.ctx.viewport = (x, y, px, px)
            if "uTile" in names:
                prog["uTile"].value = (float(x), float(y))
            for key, value in u.items():
                if key in names:
                    prog[key].value = value
            vao.render(self._moderngl.TRIANGLES)
        width = min(n, per) * px
        raw = self.fbo.read(viewport=(0, 0, width, rows * px), components=3, dtype="f4")
        atlas = np.frombuffer(raw, dtype=np.float32).reshape(rows * px, width, 3)
        frames = atlas.reshape(rows, px, width // px, px, 3).transpose(0, 2, 1, 3, 4).reshape(-1, px, px, 3)
        # GL rows run bottom-up; images top-down.
        return np.ascontiguousarray(frames[:n, ::-1])

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
