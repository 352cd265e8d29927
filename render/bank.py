"""A shader bank: a set of named fragment shaders, each turned into a complete GLSL source.

The project's own dialect (`shaders/*/*.glsl`): a header of `// key: value` lines (name, family,
licence) and a body defining `vec3 shade(vec2 p)`, compiled after `shaders/prelude.glsl`. Other
dialects (Shadertoy, twigl) are wrapped by `render.dialects` so that every shader reads the same
engine uniforms: uTime, uRes, uP0..uP3 (random parameters) and uTile (its tile in the atlas).

A shader the renderer cannot serve (textures, buffers, sound, ...) is still listed, with the reason
in `unsupported`, so it is reported and counted rather than silently dropped.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from render import dialects
from render.shader import GLSL_VERSION, BankError, Shader, parse_header  # noqa: F401  (re-exported)

PRELUDE_NAME = "prelude.glsl"
NAME_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")


@dataclass(frozen=True)
class Bank:
    path: str
    shaders: tuple[Shader, ...]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.shaders]

    @property
    def hash(self) -> str:
        return bank_hash(self.shaders)

    def by_name(self) -> dict[str, Shader]:
        return {s.name: s for s in self.shaders}

    def __len__(self) -> int:
        return len(self.shaders)


def bank_hash(shaders) -> str:
    """sha256 over (name, NUL, compiled source, NUL) for every shader sorted by name (shards/README.md).

    Unsupported shaders enter with their original code, so the hash still covers every source.
    """
    h = hashlib.sha256()
    for s in sorted(shaders, key=lambda s: s.name):
        h.update(s.name.encode())
        h.update(b"\0")
        h.update((s.fragment or s.code).encode())
        h.update(b"\0")
    return h.hexdigest()


MAX_SOURCE_BYTES = 1 << 20  # the largest Shadertoy sources are a few tens of kB


def _read_bytes(path: Path) -> bytes:
    """A source file's bytes, refusing what is not a plain file of sane size (a FIFO would block, /dev/zero never end)."""
    if not path.is_file():
        raise BankError(f"{path}: not a regular file; a bank holds .glsl text files only")
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        raise BankError(f"{path}: {size} bytes is too large for a shader source (at most {MAX_SOURCE_BYTES}); "
                        f"is it really GLSL? Remove it from the bank")
    return path.read_bytes()


def read_source(path: Path) -> str:
    """A GLSL file's text; BankError naming the file, line and byte when it is not UTF-8."""
    raw = _read_bytes(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BankError(f"{path}: byte {exc.start} (line {line}, {raw[exc.start:exc.start + 1]!r}) is not UTF-8; "
                        f"GLSL sources must be UTF-8 text: save the file as UTF-8, or remove that character") from None


def project_shader(path: Path, prelude: str) -> Shader:
    code = read_source(path)
    header = parse_header(code)
    where = str(path)
    name = header.get("name", path.stem)
    if not NAME_RE.match(name):
        raise BankError(f"{where}: shader name {name!r} may only use letters, digits, '_', '-' and '.'")
    missing = [k for k in ("family", "licence") if not header.get(k)]
    if missing:
        raise BankError(f"{where}: header lacks {', '.join(missing)}; start the file with lines like "
                        f"'// family: noise' and '// licence: MIT (shaderkd project)'")
    unsupported = ""
    if not re.search(r"\bvec3\s+shade\s*\(", code):
        unsupported = "no `vec3 shade(vec2 p)` function"
    fragment = "" if unsupported else GLSL_VERSION + prelude + "\n#line 1\n" + code
    return Shader(name=name, family=header["family"], licence=header["licence"], dialect="shaderkd",
                  origin=where, code=code, fragment=fragment, unsupported=unsupported,
                  meta={k: v for k, v in header.items() if k not in ("name", "family", "licence")})


def find_prelude(directory: Path) -> str:
    """The prelude of a project-dialect directory: its own, else the nearest parent's."""
    for d in [directory, *directory.parents]:
        p = d / PRELUDE_NAME
        if p.is_file():
            return read_source(p)
    raise BankError(f"{directory}: no {PRELUDE_NAME} in this directory or above it; a project bank needs "
                    f"the shared prelude (see shaders/README.md)")


COLLECTION_SUFFIXES = (".json", ".jsonl")


def load_directory(directory: Path) -> list[Shader]:
    """Every .glsl file under `directory` (project dialect, or a bare Shadertoy/twigl source) and every
    .json/.jsonl collection: so one directory can mix the project's shaders with an external corpus
    (e.g. a copy of shaders/ plus a Shadertoy export), and render, publish and re-render as one bank."""
    # a directory that happens to end in .glsl is not a source (rglob looks inside it anyway)
    files = sorted(p for p in directory.rglob("*.glsl") if p.name != PRELUDE_NAME and not p.is_dir())
    collections = sorted(p for p in directory.rglob("*") if p.suffix in COLLECTION_SUFFIXES and p.is_file()
                         and not any(part.startswith(".") for part in p.relative_to(directory).parts))
    if not files and not collections:
        raise BankError(f"{directory}: no .glsl, .json or .jsonl files found")
    shaders = [s for c in collections for s in dialects.load_file(c)]
    prelude = None
    for path in files:
        code = _read_bytes(path).decode("utf-8", errors="replace")  # strict for project shaders, below
        if "family" in parse_header(code) or re.search(r"\bvec3\s+shade\s*\(", code):
            if prelude is None:
                prelude = find_prelude(directory)
            shaders.append(project_shader(path, prelude))
        else:
            shaders.append(dialects.from_glsl_file(path))
    return shaders


def load_bank(path: str | Path) -> Bank:
    """Load a bank from a directory of .glsl files, a single .glsl, or a .json/.jsonl collection."""
    path = Path(path)
    if not path.exists():
        raise BankError(f"{path}: no such bank; pass a directory of .glsl files (e.g. shaders/) or a "
                        f".json/.jsonl file of Shadertoy/twigl shaders")
    if path.is_dir():
        shaders = load_directory(path)
    elif not path.is_file():
        raise BankError(f"{path}: not a regular file or a directory; pass a directory of .glsl files or a "
                        f".glsl/.json/.jsonl file")
    else:
        shaders = dialects.load_file(path)
    if not shaders:
        raise BankError(f"{path}: the bank holds no shaders; pass a directory of .glsl files (e.g. shaders/) or a "
                        f".json/.jsonl file listing at least one shader")
    seen: dict[str, str] = {}
    for s in shaders:
        if s.name in seen:
            raise BankError(f"{s.origin}: shader name {s.name!r} is already used by {seen[s.name]}; names must be unique")
        seen[s.name] = s.origin
    return Bank(path=str(path), shaders=tuple(sorted(shaders, key=lambda s: s.name)))
