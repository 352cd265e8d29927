import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SHADERKD_SHARED", ROOT.parent / "shared"))

# Render tests use several processes on a 2-core machine: one raster thread each.
os.environ.setdefault("LP_NUM_THREADS", "1")

# Only the test process holds both Mesa (render tests draw in-process) and torch. Both bring an LLVM:
# importing torch's triton after llvmpipe has compiled a shader segfaults, the other order is fine.
# shaderkd itself never mixes them (render/ never imports torch, train/ never imports moderngl).
try:
    import torch._dynamo  # noqa: F401  (loads triton first)
except ImportError:  # a render-only install: no torch at all
    pass


def shared_path(*parts) -> Path:
    """A path inside ../shared, or skip the test saying why."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is absent (../shared holds the real data; set SHADERKD_SHARED to point elsewhere)")
    return p


SIMPLE = {
    "t_grad": "vec3 shade(vec2 p) { return vec3(0.5 + 0.5 * p.x, 0.5 + 0.5 * p.y, uP0.x); }",
    "t_rings": "vec3 shade(vec2 p) { float r = length(p - (uP0.xy - 0.5)); return ppalette(r * (4.0 + 8.0 * uP0.z) + uTime, uP1, uP2); }",
    "t_noise": "vec3 shade(vec2 p) { return vec3(fbm(p * (2.0 + 6.0 * uP0.x) + uTime, 5), gnoise(p * 9.0), uP1.y); }",
    "t_checker": "vec3 shade(vec2 p) { vec2 q = floor(p * (3.0 + 5.0 * uP0.x)); return mix(uP1.rgb, uP2.rgb, mod(q.x + q.y, 2.0)); }",
}


def write_bank(directory: Path, shaders: dict[str, str], family: str = "test") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "shaders" / "prelude.glsl", directory / "prelude.glsl")
    for name, body in shaders.items():
        (directory / f"{name}.glsl").write_text(
            f"// name: {name}\n// family: {family}\n// licence: MIT (shaderkd project)\n{body}\n")
    return directory


@pytest.fixture
def small_bank(tmp_path) -> Path:
    return write_bank(tmp_path / "bank", SIMPLE)
