"""One shader of a bank, and the header every project shader starts with.

Apart from `render.bank` so that the dialect layer (`render.dialects`), which builds Shaders, and the
bank loader, which calls the dialect layer, do not import each other.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

GLSL_VERSION = "#version 330 core\n"
HEADER_RE = re.compile(r"^\s*//\s*([A-Za-z_]+)\s*:\s*(.*?)\s*$")


class BankError(Exception):
    """A bank cannot be read: missing path, malformed header, duplicate names, ..."""


@dataclass(frozen=True)
class Shader:
    name: str
    family: str
    licence: str
    dialect: str          # "shaderkd", "shadertoy", "twigl-classic", "twigl-geek", ...
    origin: str           # file path (and line or id) it came from
    code: str             # the source as written
    fragment: str = ""    # the complete fragment shader as compiled ("" when unsupported)
    unsupported: str = ""  # why the renderer cannot serve it ("" when it can)
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def usable(self) -> bool:
        return not self.unsupported


def parse_header(code: str) -> dict[str, str]:
    """The leading `// key: value` comment lines of a project shader."""
    header = {}
    for line in code.splitlines():
        if not line.strip():
            continue
        m = HEADER_RE.match(line)
        if not m:
            break
        header[m.group(1).lower()] = m.group(2)
    return header
