"""External shader banks: Shadertoy and twigl sources wrapped to read the engine's uniforms.

Every wrapped fragment is `#version 330 core`, reads only uTime, uRes, uP0..uP3 and uTile, and writes
`out vec4 fragColor` with alpha 1. The user's code follows a `#line 1`, so driver logs point at the
user's own lines, and its comments (licence headers) are kept. `atlas_fragment` rewrites any engine
fragment (these wrappers and the project's prelude alike) to draw every tile of an atlas in one call.

Formats accepted by `load_file` (one record = one shader):
- a Shadertoy API export: `{"Shader": {"info": {...}, "renderpass": [...]}}`, the bare inner object, or
  a list of either (a `common` pass is prepended; buffer, cubemap and sound passes make it unsupported);
- the Shadertoy corpus JSONL of ../shared: `{"id", "name", "username", "date", "tags", "code", "license"}`;
- twigl records `{"name"?, "code", "mode"?}` with mode classic | geek | geeker | geekest, optionally
  followed by `300` or `mrt` (e.g. "geekest 300", "geek (300 es)"); without mode the code decides;
- `.glsl` files (`from_glsl_file`): a first-line comment `// twigl: <mode>` decides; otherwise
  Shadertoy if it defines mainImage, twigl classic if it has `void main` and declares classic uniforms
  (resolution, time, ...), twigl geek if it declares the short ones (r, t, ...), twigl geeker if it
  has `void main` and declares none, else a twigl geekest body.

Names are `st_<id>` for Shadertoy records (the sanitised title or file name when there is no id); twigl
records use their `name` (sanitised to [A-Za-z0-9_.-]) or `<file>-<n>`. Family is the dialect's site,
`shadertoy` or `twigl`: Shadertoy's first tag ("2d", "3d", "sdf", ...) says too little about the look
to group by; tags stay in `meta`. Licence is the record's `license`/`licence`, else a header comment
(`// licence: ...` or a recognised licence text), else Shadertoy's default terms (CC BY-NC-SA 3.0) for
Shadertoy and "unknown" for twigl.

Mapping (Shadertoy): iResolution = vec3(uRes, 1); iTime = uTime; iTimeDelta = 1/60; iFrameRate = 60;
iFrame = int(60 uTime); iMouse: uP0.z picks never-clicked (0), hovering (xy, -xy) or pressed (xy, xy)
with xy = uP0.xy * uRes; iDate = (2024, 0, 1, seconds of day from uP1.x); iSampleRate = 44100;
iChannelTime/iChannelResolution are zeros; HW_PERFORMANCE is 0 (the cheap path: the engine
supersamples itself). fragCoord and gl_FragCoord are relative to the sample's tile; mainImage's colour
starts at zero (its `out` becomes `inout`), as WebGL does.
Mapping (twigl): resolution/r = uRes; mouse/m = uP0.xy (twigl's mouse is normalised to [0,1]);
time/t = uTime; frame/f = floor(60 uTime); sound/s = 0 (silence); FC = gl_FragCoord (geekest);
o is the output (ES 3.0 modes), gl_FragColor in ES 1.0 modes (chosen by whether the code writes
gl_FragColor). Geekest's helpers (snoise2D/3D/4D, fsnoise, fsnoiseDigits, hsv, rotate2D, rotate3D,
mod289, permute, taylorInvSqrt, PI, PI2) are implemented here, not copied: the noises are gradient
noise of the same range (about [-1, 1]), not twigl's exact simplex values.

Detected before compiling and reported as `unsupported` (the shader stays in the bank and its hash):
iChannel inputs, multipass buffers/cubemaps/sound, texture sampling in twigl (its only samplers are the
backbuffer), twigl's sound input, and sampler or array uniforms of the shader's own. Its own scalar,
vector and matrix uniforms become zero globals: nobody sets them, and WebGL reads them as zero too.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from render.shader import GLSL_VERSION, BankError, Shader, parse_header

# What a browser shows of a colour: its 8-bit canvas clamps to [0, 1] (so +-inf become 1 or 0) and
# stores NaN as 0. Done here, a stray NaN pixel (a ray that divides by zero) does not make the engine
# reject a frame that looks whole on the site. Alpha is ignored there too.
ENGINE_UNIFORMS = ("uniform float uTime;\nuniform vec2 uRes;\nuniform vec4 uP0, uP1, uP2, uP3;\n"
                   "uniform vec2 uTile;\nout vec4 fragColor;\n"
                   "#define skd_FragCoord vec4(gl_FragCoord.xy - uTile, gl_FragCoord.zw)\n"
                   "vec4 skd_display(vec4 c) {\n"
                   "    return vec4(clamp(mix(c.rgb, vec3(0.0), isnan(c.rgb)), 0.0, 1.0), 1.0);\n}\n")
TWIGL_MODES = ("classic", "geek", "geeker", "geekest")
SHADERTOY_DEFAULT_LICENCE = "CC BY-NC-SA 3.0 (Shadertoy default terms)"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]+")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)", re.S)
_PRECISION = r"(?:(?:lowp|mediump|highp)\s+)?"
_UNIFORM = re.compile(r"\buniform\s+" + _PRECISION + r"(\w+)\s+([\w\s,\[\]]+?)\s*;")
_OUT_DECL = re.compile(r"(?:\blayout\s*\(\s*location\s*=\s*(\d+)\s*\)\s*)?\bout\s+" + _PRECISION
                       + r"vec4\s+(\w+)\s*;")
_TEXTURE_CALL = re.compile(r"\b(texture\w*|texelFetch\w*)\s*\(")
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(version|extension)\b[^\n]*", re.M)
_LICENCES = [  # (pattern in a header comment, licence name)
    (r"\bMIT\s+Licen[cs]e\b|Permission is hereby granted, free of charge", "MIT"),
    (r"\bCC0\b|\bpublic\s+domain\b", "CC0/public-domain"),
    (r"\bUnlicense\b", "Unlicense"),
    (r"Attribution-NonCommercial-ShareAlike\s+3\.0|CC\s+BY-NC-SA\s+3\.0", "CC BY-NC-SA 3.0"),
    (r"Attribution-NonCommercial-ShareAlike\s+4\.0|CC\s+BY-NC-SA\s+4\.0", "CC BY-NC-SA 4.0"),
    (r"Attribution\s+4\.0|CC\s+BY\s+4\.0", "CC BY 4.0"),
    (r"Apache\s+Licen[cs]e", "Apache-2.0"),
    (r"BSD", "BSD"),
]
SHADERTOY_INPUT_NAMES = {"iResolution", "iTime", "iGlobalTime", "iTimeDelta", "iFrameRate", "iFrame",
                         "iChannelTime", "iChannelResolution", "iMouse", "iDate", "iSampleRate",
                         "iChannel0", "iChannel1", "iChannel2", "iChannel3"}
TWIGL_UNIFORMS = {"classic": {"resolution": "vec2", "mouse": "vec2", "time": "float", "frame": "float",
                              "sound": "float", "backbuffer": "sampler2D"},
                  "geek": {"r": "vec2", "m": "vec2", "t": "float", "f": "float", "s": "float",
                           "b": "sampler2D"}}
TWIGL_VALUES = {"resolution": "uRes", "r": "uRes", "mouse": "uP0.xy", "m": "uP0.xy", "time": "uTime",
                "t": "uTime", "frame": "floor(uTime * 60.0)", "f": "floor(uTime * 60.0)",
                "sound": "0.0", "s": "0.0"}


class DialectError(BankError):
    """An external bank file or record cannot be read (bad JSON, missing fields, unknown mode)."""


# ---- source editing that leaves comments and line numbers alone ----

def mask_comments(code: str) -> str:
    """`code` with every comment blanked to spaces (newlines kept): same length, same offsets."""
    return _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), code)


class _Source:
    """GLSL text with a comment-blind twin: patterns match the twin, edits apply to both."""

    def __init__(self, code: str):
        self.text, self.mask = code, mask_comments(code)

    def find(self, pattern, needle: str = "") -> list[re.Match]:
        """Matches in the comment-blind text; `needle`, a word every match contains, lets most
        sources skip the regex (every render worker loads the 1,733-shader corpus: half its load time)."""
        if needle and needle not in self.mask:
            return []
        return list(re.finditer(pattern, self.mask))

    def sub(self, pattern, repl, needle: str = "") -> int:
        matches = self.find(pattern, needle)
        text, mask, last = [], [], 0
        for m in matches:
            new = repl(m) if callable(repl) else m.expand(repl)
            text += [self.text[last:m.start()], new]
            mask += [self.mask[last:m.start()], new]
            last = m.end()
        self.text = "".join(text) + self.text[last:]
        self.mask = "".join(mask) + self.mask[last:]
        return len(matches)


def _blank(m: re.Match) -> str:
    """Remove a match but keep its newlines, so later lines keep their numbers."""
    return "\n" * m.group(0).count("\n")


def _uniforms(src: _Source) -> dict[str, tuple[str, re.Match]]:
    """Every uniform the code declares: name -> (type, the declaration's match)."""
    found = {}
    for m in src.find(_UNIFORM, "uniform"):
        for decl in m.group(2).split(","):
            name = decl.split("[")[0].strip()
            if name:
                found[name] = (m.group(1), m)
    return found


def _replace_uniforms(src: _Source, provided) -> tuple[list[str], list[str]]:
    """Drop the uniform declarations the wrapper provides; others become zero globals.

    WebGL leaves a uniform nobody sets at zero, so `float speed = float(0);` keeps the shader's meaning
    while the fragment reads engine uniforms only. Samplers and arrays cannot be stood in for: they are
    returned as reasons. Returns (reasons, names of zeroed uniforms).
    """
    reasons, zeroed = [], []

    def replace(m: re.Match) -> str:
        kind, out = m.group(1), []
        for decl in m.group(2).split(","):
            name = decl.split("[")[0].strip()
            if not name or name in provided:
                continue
            if kind.startswith(("sampler", "isampler", "usampler", "image")):
                reasons.append(f"declares {kind} {name}, an input the renderer cannot give")
            elif "[" in decl or not re.fullmatch(r"(float|int|uint|bool|[biu]?vec[234]|mat[234](x[234])?)", kind):
                reasons.append(f"declares uniform {kind} {decl.strip()} that the renderer cannot set")
            else:
                zeroed.append(name)
                out.append(f"{kind} {name} = {kind}(0);")
        return " ".join(out) + _blank(m)

    src.sub(_UNIFORM, replace, "uniform")
    return reasons, zeroed


def _uses(src: _Source, name: str, skip: list[re.Match] = ()) -> bool:
    """Whether `name` occurs as an identifier outside comments and outside the `skip` spans."""
    spans = [(m.start(), m.end()) for m in skip]
    return any(not any(a <= m.start() < b for a, b in spans)
               for m in re.finditer(rf"(?<![\w.])\b{re.escape(name)}\b", src.mask))


def _adapt_es(src: _Source) -> None:
    """GLSL ES to desktop 330 core: drop #version/#extension, keep the tile origin out of gl_FragCoord."""
    src.sub(_DIRECTIVE, "", "#")
    src.sub(r"\bgl_FragCoord\b", "skd_FragCoord", "gl_FragCoord")


def detect_licence(code: str, default: str) -> str:
    header = parse_header(code)
    for key in ("licence", "license"):
        if header.get(key):
            return header[key]
    comments = " ".join(m.group(0) for m in _COMMENT.finditer(code[:20000]))
    for pattern, name in _LICENCES:
        if re.search(pattern, comments, re.I if name != "BSD" else 0):
            return name
    return default


def safe_name(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("_.-")[:80]


# ---- Shadertoy ----

SHADERTOY_PRELUDE = """\
#define HW_PERFORMANCE 0
vec4 skd_mouse() {
    vec2 xy = floor(uP0.xy * uRes) + 0.5;
    return uP0.z < 1.0 / 3.0 ? vec4(0.0) : vec4(xy, uP0.z < 2.0 / 3.0 ? -xy : xy);
}
vec3 iResolution = vec3(uRes, 1.0);
float iTime = uTime;
float iGlobalTime = uTime;
float iTimeDelta = 1.0 / 60.0;
float iFrameRate = 60.0;
int iFrame = int(uTime * 60.0);
float iSampleRate = 44100.0;
vec4 iDate = vec4(2024.0, 0.0, 1.0, floor(uP1.x * 86400.0) + uTime);
vec4 iMouse = skd_mouse();
float iChannelTime[4] = float[4](0.0, 0.0, 0.0, 0.0);
vec3 iChannelResolution[4] = vec3[4](vec3(0.0), vec3(0.0), vec3(0.0), vec3(0.0));
"""
SHADERTOY_MAIN = """
void main() {
    vec4 skd_colour = vec4(0.0);
    mainImage(skd_colour, gl_FragCoord.xy - uTile);
    fragColor = skd_display(skd_colour);
}
"""


def _shadertoy_source(code: str) -> tuple[_Source, str, list[str]]:
    """The image code adapted to 330 core, why it cannot be served ("" when it can), zeroed uniforms."""
    src = _Source(code)
    reasons = []
    if not src.find(r"\bvoid\s+mainImage\s*\(", "mainImage"):
        sound = bool(src.find(r"\bvec2\s+mainSound\s*\("))
        reasons.append("a sound shader (mainSound), not an image" if sound
                       else "no `void mainImage(out vec4, in vec2)` function")
    channels = sorted({m.group(0) for m in src.find(r"\biChannel[0-9]\b", "iChannel")})
    if channels:
        reasons.append(f"reads {', '.join(channels)} (texture, buffer, sound or keyboard input)")
    more, zeroed = _replace_uniforms(src, SHADERTOY_INPUT_NAMES)
    reasons += more
    _adapt_es(src)
    # WebGL zero-initialises outputs; with `inout` our zeroed colour reaches mainImage the same way.
    src.sub(r"(\bvoid\s+mainImage\s*\(\s*)out\b", r"\1inout", "mainImage")
    return src, "; ".join(reasons), zeroed


def shadertoy_shader(name: str, code: str, origin: str, licence: str, common: str = "",
                     unsupported: str = "", meta: dict | None = None) -> Shader:
    src, reason, zeroed = _shadertoy_source(code)
    meta = {**(meta or {}), **({"zeroed_uniforms": zeroed} if zeroed else {})}
    unsupported = "; ".join(r for r in (unsupported, reason) if r)
    fragment = ""
    if not unsupported:
        body = ""
        if common:
            csrc = _Source(common)
            _adapt_es(csrc)
            body = "#line 1 1\n" + csrc.text + "\n"
        body += "#line 1 0\n" + src.text + "\n"
        fragment = (GLSL_VERSION + "// shaderkd: Shadertoy wrapper (render/dialects.py)\n" + ENGINE_UNIFORMS
                    + SHADERTOY_PRELUDE + body + SHADERTOY_MAIN)
    return Shader(name=name, family="shadertoy", licence=licence, dialect="shadertoy", origin=origin,
                  code=code if not common else f"// common pass\n{common}\n// image pass\n{code}",
                  fragment=fragment, unsupported=unsupported, meta=meta)


# ---- twigl ----

GEEKEST_HELPERS = """\
const float PI = 3.141592653589793;
const float PI2 = PI * 2.0;
float mod289(float x) { return x - floor(x / 289.0) * 289.0; }
vec2 mod289(vec2 x) { return x - floor(x / 289.0) * 289.0; }
vec3 mod289(vec3 x) { return x - floor(x / 289.0) * 289.0; }
vec4 mod289(vec4 x) { return x - floor(x / 289.0) * 289.0; }
float permute(float x) { return mod289((x * 34.0 + 1.0) * x); }
vec3 permute(vec3 x) { return mod289((x * 34.0 + 1.0) * x); }
vec4 permute(vec4 x) { return mod289((x * 34.0 + 1.0) * x); }
float taylorInvSqrt(float x) { return 1.79284291400159 - 0.85373472095314 * x; }
vec4 taylorInvSqrt(vec4 x) { return 1.79284291400159 - 0.85373472095314 * x; }
// sine-free hash (after D. Hoskins), four outputs in [0,1) per lattice point
vec4 skd_hash(vec4 p) {
    p = fract(p * vec4(0.1031, 0.1030, 0.0973, 0.1099));
    p += dot(p, p.wzxy + 33.33);
    return fract((p.xxyz + p.yzzw) * p.zywx);
}
// gradient noise on the unit lattice of 2, 3 or 4 dimensions, quintic fade, about [-1, 1]
float skd_gnoise(vec4 p, int dims) {
    vec4 i = floor(p), f = fract(p), u = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    float acc = 0.0;
    for (int c = 0; c < 16; c++) {
        if (c >= (1 << dims)) break;
        vec4 o = vec4(c & 1, (c >> 1) & 1, (c >> 2) & 1, (c >> 3) & 1);
        vec4 g = skd_hash(i + o) * 2.0 - 1.0;
        if (dims < 4) g.w = 0.0;
        if (dims < 3) g.z = 0.0;
        vec4 w = mix(1.0 - u, u, o);
        float weight = w.x * w.y * (dims > 2 ? w.z : 1.0) * (dims > 3 ? w.w : 1.0);
        acc += weight * dot(normalize(g + 1e-7), f - o);
    }
    return acc * (dims == 2 ? 1.41421356 : dims == 3 ? 1.15470054 : 1.0);
}
float snoise2D(vec2 v) { return skd_gnoise(vec4(v, 0.0, 0.0), 2); }
float snoise3D(vec3 v) { return skd_gnoise(vec4(v, 0.0), 3); }
float snoise4D(vec4 v) { return skd_gnoise(v, 4); }
float fsnoise(vec2 c) { return fract(sin(dot(c, vec2(12.9898, 78.233))) * 43758.5453); }
float fsnoiseDigits(vec2 c) { return fract(sin(dot(c, vec2(0.129898, 0.78233))) * 437.585453); }
vec3 hsv(float h, float s, float v) {
    vec3 k = clamp(abs(mod(h * 6.0 + vec3(0.0, 4.0, 2.0), 6.0) - 3.0) - 1.0, 0.0, 1.0);
    return v * mix(vec3(1.0), k, s);
}
mat2 rotate2D(float a) { float c = cos(a), s = sin(a); return mat2(c, s, -s, c); }
mat3 rotate3D(float angle, vec3 axis) {  // right-handed rotation about `axis` (Rodrigues)
    vec3 n = normalize(axis);
    float c = cos(angle), s = sin(angle);
    mat3 cross = mat3(0.0, n.z, -n.y, -n.z, 0.0, n.x, n.y, -n.x, 0.0);
    return c * mat3(1.0) + (1.0 - c) * outerProduct(n, n) + s * cross;
}
"""


def parse_twigl_mode(mode: str, where: str) -> tuple[str, str]:
    """"geekest 300" -> ("geekest", "es300"); the ES version is "" when the mode leaves it to the code."""
    words = re.findall(r"[a-z]+|\d+", mode.lower())
    base = [w for w in words if w in TWIGL_MODES]
    rest = [w for w in words if w not in TWIGL_MODES and w not in ("es", "twigl")]
    if len(base) != 1 or any(w not in ("300", "100", "mrt") for w in rest):
        raise DialectError(f"{where}: unknown twigl mode {mode!r}; use one of {', '.join(TWIGL_MODES)}, "
                           f"optionally followed by 300 or mrt (e.g. 'geekest 300')")
    es = "mrt" if "mrt" in rest else "es300" if "300" in rest else "es100" if "100" in rest else ""
    return base[0], es


def guess_twigl_mode(code: str) -> str:
    src = _Source(code)
    if not src.find(r"\bvoid\s+main\s*\("):
        return "geekest"
    declared = _uniforms(src)
    if declared.keys() & TWIGL_UNIFORMS["classic"].keys():
        return "classic"
    if declared.keys() & TWIGL_UNIFORMS["geek"].keys():
        return "geek"
    return "geeker"


def twigl_shader(name: str, code: str, mode: str, origin: str, licence: str,
                 meta: dict | None = None) -> Shader:
    base, es = parse_twigl_mode(mode, origin)
    src = _Source(code)
    if not es:
        es = "es100" if src.find(r"\bgl_FragColor\b", "gl_FragColor") else "es300"
    reasons = []
    textures = sorted({m.group(1) for m in src.find(_TEXTURE_CALL)})
    if textures:
        reasons.append(f"samples a texture ({', '.join(textures)}): twigl's only sampler is the "
                       f"backbuffer (previous frame), which a single frame cannot give")
    if base in ("classic", "geek"):
        known = TWIGL_UNIFORMS[base]
        declared = _uniforms(src)
        sound = "sound" if base == "classic" else "s"
        if sound in declared and _uses(src, sound, [m for _, m in declared.values()]):
            reasons.append(f"reads the sound input `{sound}`")
        # twigl's default code declares the backbuffer; only sampling it (found above) matters.
        more, zeroed = _replace_uniforms(src, set(known))
        reasons += more
        meta = {**(meta or {}), **({"zeroed_uniforms": zeroed} if zeroed else {})}
        inputs = [n for n in declared if n in TWIGL_VALUES]
    else:
        inputs = ["r", "m", "t", "f", "s"]
    _adapt_es(src)
    # Outputs become plain zeroed globals that main() copies out with alpha 1 (WebGL zeroes them too).
    outputs = []
    if es == "es100":
        src.sub(r"\bgl_FragColor\b", "skd_FragColor", "gl_FragColor")
        outputs = ["skd_FragColor"]
    elif base in ("geeker", "geekest"):
        outputs = ["o"] if es == "es300" else ["o0", "o1"]
    else:
        declared_outs = src.find(_OUT_DECL)
        located = sorted(declared_outs, key=lambda m: int(m.group(1) or 0))
        src.sub(_OUT_DECL, lambda m: f"vec4 {m.group(2)} = vec4(0.0);")
        if located:
            outputs = [located[0].group(2)]
        else:
            reasons.append("writes no output: neither gl_FragColor nor an `out vec4` declaration")
    has_main = bool(src.sub(r"\bvoid\s+main\s*\(", "void skd_main("))
    if base != "geekest" and not has_main:
        reasons.append(f"twigl {base} code needs a `void main()`")
    fragment = ""
    if not reasons:
        head = [GLSL_VERSION, f"// shaderkd: twigl {base} ({es}) wrapper (render/dialects.py)\n",
                ENGINE_UNIFORMS]
        head += [f"{TWIGL_UNIFORMS['classic'].get(n) or TWIGL_UNIFORMS['geek'][n]} {n} = {TWIGL_VALUES[n]};\n"
                 for n in inputs]
        if base in ("geeker", "geekest") or es == "es100":
            head += [f"vec4 {o} = vec4(0.0);\n" for o in outputs]
        if base == "geekest":
            head += ["#define FC skd_FragCoord\n", GEEKEST_HELPERS]
        body = src.text
        if base == "geekest" and not has_main:
            head.append("void skd_main() {\n")
            body += "\n}"
        fragment = ("".join(head) + "#line 1\n" + body + "\nvoid main() {\n"
                    + f"    skd_main();\n    fragColor = skd_display({outputs[0]});\n}}\n")
    return Shader(name=name, family="twigl", licence=licence, dialect=f"twigl-{base}", origin=origin,
                  code=code, fragment=fragment, unsupported="; ".join(reasons),
                  meta={"glsl": es, **(meta or {})})


# ---- one draw per atlas ----

# The per-sample inputs, read from the sample table (a float texture, one row of texels per tile)
# instead of uniforms: texel 0 holds the time, texels 1-4 the parameter vectors. The tile is the one
# under gl_FragCoord, so its origin (uTile) follows from the fragment's own position.
PER_SAMPLE = {
    "uTime": ("float", "texelFetch(skd_samples, ivec2(0, skd_index), 0).x"),
    "uP0": ("vec4", "texelFetch(skd_samples, ivec2(1, skd_index), 0)"),
    "uP1": ("vec4", "texelFetch(skd_samples, ivec2(2, skd_index), 0)"),
    "uP2": ("vec4", "texelFetch(skd_samples, ivec2(3, skd_index), 0)"),
    "uP3": ("vec4", "texelFetch(skd_samples, ivec2(4, skd_index), 0)"),
    "uTile": ("vec2", "vec2(skd_tile * skd_px)"),
}
ATLAS_INPUTS = ("uniform sampler2D skd_samples;\nuniform int skd_px;\nuniform int skd_per;\n"
                "ivec2 skd_tile = ivec2(gl_FragCoord.xy) / skd_px;\n"
                "int skd_index = skd_tile.y * skd_per + skd_tile.x;\n"
                + "".join(f"{kind} {name} = {value};\n" for name, (kind, value) in PER_SAMPLE.items()))
_ENGINE_DECL = re.compile(r"^[ \t]*uniform\s+(float|vec2|vec4)\s+(\w+(?:\s*,\s*\w+)*)\s*;[ \t]*$", re.M)


def atlas_fragment(fragment: str) -> str | None:
    """`fragment` rewritten to draw many samples in one call, or None when it cannot be.

    The engine's declarations of uTime, uP0..uP3 and uTile (in the wrapper or prelude, before the
    first `#line`, never in the user's code) become globals read from the sample table; uRes stays a
    uniform. Values are the same floats, so every pixel is the same as when they were uniforms (tested
    on the banks by tests/test_render_speed.py).
    """
    end = fragment.find("\n#line ")
    if end < 0:
        return None
    head, found, spans = fragment[:end], set(), []
    for m in _ENGINE_DECL.finditer(head):
        names = [n.strip() for n in m.group(2).split(",")]
        ours = [n for n in names if n in PER_SAMPLE]
        if not ours:
            continue
        if len(ours) != len(names) or any(PER_SAMPLE[n][0] != m.group(1) for n in ours):
            return None
        found.update(ours)
        spans.append((m.start(), m.end()))
    if found != set(PER_SAMPLE):
        return None
    out, last = [], 0
    for i, (a, b) in enumerate(spans):
        out.append(head[last:a])
        if i == len(spans) - 1:
            out.append(ATLAS_INPUTS.rstrip("\n"))
        last = b
    return "".join(out) + head[last:] + fragment[end:]


# ---- files and records ----

def classify(code: str) -> str:
    """The dialect a bare source is written in: "shadertoy" or a twigl mode string."""
    first = code.lstrip().split("\n", 1)[0]
    m = re.match(r"//\s*twigl\s*:\s*(.+?)\s*$", first, re.I)
    if m:
        return m.group(1)
    if re.search(r"\bvoid\s+mainImage\s*\(", mask_comments(code)):
        return "shadertoy"
    return guess_twigl_mode(code)


def _shader_from_code(code: str, dialect: str, name: str, origin: str, licence: str | None,
                      meta: dict) -> Shader:
    if dialect == "shadertoy":
        return shadertoy_shader(name, code, origin, licence or detect_licence(code, SHADERTOY_DEFAULT_LICENCE),
                                meta=meta)
    return twigl_shader(name, code, dialect, origin, licence or detect_licence(code, "unknown"), meta)


def from_glsl_file(path: str | Path) -> Shader:
    path = Path(path)
    code = path.read_text(encoding="utf-8", errors="replace")
    dialect = classify(code)
    header = parse_header(code)
    name = safe_name(header.get("name", "")) or safe_name(path.stem) or "shader"
    if dialect == "shadertoy" and "name" not in header:
        name = "st_" + name
    return _shader_from_code(code, dialect, name, str(path), None, {})


def _field(rec: dict, key: str, kind, where: str):
    value = rec.get(key)
    if not isinstance(value, kind):
        got = "missing" if key not in rec else f"a {type(value).__name__}"
        raise DialectError(f"{where}: field {key!r} is {got}; expected a {kind.__name__} "
                           f"(record keys: {', '.join(sorted(rec)) or 'none'})")
    return value


def _shadertoy_export(rec: dict, where: str) -> Shader:
    info = rec.get("info") if isinstance(rec.get("info"), dict) else {}
    passes = rec.get("renderpass")
    if not isinstance(passes, list) or not all(isinstance(p, dict) for p in passes):
        raise DialectError(f"{where}: 'renderpass' must be a list of pass objects")
    ident = str(info.get("id") or "") or safe_name(str(info.get("name", "")))
    if not ident:
        raise DialectError(f"{where}: Shadertoy export has neither info.id nor info.name")
    by_type: dict[str, list[dict]] = {}
    for p in passes:
        by_type.setdefault(str(p.get("type", "image")), []).append(p)
    images = by_type.get("image", [])
    if not images or not isinstance(images[0].get("code"), str):
        raise DialectError(f"{where}: Shadertoy export {ident!r} has no image pass with code")
    image = images[0]
    reasons = []
    extra = sorted(f"{p.get('name') or t}" for t, ps in by_type.items() if t not in ("image", "common")
                   for p in ps)
    if extra:
        reasons.append(f"multipass: needs {', '.join(extra)}")
    inputs = [f"iChannel{i.get('channel', '?')} {i.get('ctype') or i.get('type') or 'input'}"
              for i in image.get("inputs") or [] if isinstance(i, dict)]
    if inputs:
        reasons.append(f"image pass inputs: {', '.join(inputs)}")
    common = "\n".join(p.get("code", "") for p in by_type.get("common", []) if isinstance(p.get("code"), str))
    code = image["code"]
    licence = rec.get("license") or rec.get("licence") or detect_licence(common + "\n" + code,
                                                                         SHADERTOY_DEFAULT_LICENCE)
    meta = {k: info[k] for k in ("id", "name", "username", "tags", "date") if k in info}
    return shadertoy_shader(f"st_{safe_name(ident)}", code, f"{where} ({ident})", str(licence), common,
                            "; ".join(reasons), meta)


def from_record(rec, where: str, fallback_name: str) -> Shader:
    """One JSON record (any of the accepted formats) as a Shader; `where` names file and line."""
    if not isinstance(rec, dict):
        raise DialectError(f"{where}: expected a JSON object per shader, got {type(rec).__name__}")
    if "Shader" in rec:
        if not isinstance(rec["Shader"], dict):
            raise DialectError(f"{where}: 'Shader' must be an object with 'info' and 'renderpass'")
        rec = rec["Shader"]
    if "renderpass" in rec:
        return _shadertoy_export(rec, where)
    code = _field(rec, "code", str, where)
    licence = rec.get("license") or rec.get("licence")
    licence = str(licence) if licence else None
    meta = {k: rec[k] for k in ("id", "name", "username", "tags", "date") if k in rec}
    if rec.get("mode") is not None:
        dialect = str(rec["mode"])
    elif "id" in rec:
        dialect = "shadertoy"
    else:
        dialect = classify(code)
    if dialect == "shadertoy":
        ident = safe_name(str(rec.get("id") or rec.get("name") or "")) or fallback_name
        name = f"st_{ident}"
        origin = f"{where} ({rec['id']})" if "id" in rec else where
    else:
        name = safe_name(str(rec.get("name") or "")) or fallback_name
        origin = where
    return _shader_from_code(code, dialect, name, origin, licence, meta)


def _read_json(path: Path):
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() == ".jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    yield f"{path}:{n}", json.loads(line)
                except json.JSONDecodeError as e:
                    raise DialectError(f"{path}:{n}: not valid JSON ({e.msg} at column {e.colno}); each "
                                       f"line of a .jsonl bank must hold one JSON object") from None
        return
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        hint = " (one object per line? name the file .jsonl)" if e.msg == "Extra data" else ""
        raise DialectError(f"{path}:{e.lineno}: not valid JSON ({e.msg} at column {e.colno}){hint}") from None
    if isinstance(data, list):
        for i, rec in enumerate(data):
            yield f"{path}[{i}]", rec
    else:
        yield str(path), data


def load_file(path: str | Path) -> list[Shader]:
    """Every shader of a .json / .jsonl collection or a single .glsl file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".glsl", ".frag", ".fs"):
        return [from_glsl_file(path)]
    if suffix not in (".json", ".jsonl"):
        raise DialectError(f"{path}: unknown bank file type {suffix!r}; use .glsl, .json or .jsonl "
                           f"(or a directory of .glsl files)")
    stem = safe_name(path.stem) or "shader"
    return [from_record(rec, where, f"{stem}-{i}") for i, (where, rec) in enumerate(_read_json(path))]
