// shaderkd prelude: prepended to every shader of the project's bank.
// Licence: MIT (shaderkd project).
//
// Contract (see shaders/README.md):
//   uTime        time value in seconds, drawn per sample
//   uRes         resolution of the rendered frame in pixels (size x supersample)
//   uP0..uP3     four vec4 of random parameters in [0,1), drawn per sample
//   uTile        origin of this sample's tile in the render atlas (engine internal)
// A shader defines   vec3 shade(vec2 p)
// where p are centred coordinates: p.y in [-1, 1], p.x scaled by the aspect ratio.
// The returned colour is in [0,1] (values outside are clamped, NaN/inf frames are rejected).

uniform float uTime;
uniform vec2 uRes;
uniform vec4 uP0;
uniform vec4 uP1;
uniform vec4 uP2;
uniform vec4 uP3;
uniform vec2 uTile;

out vec4 fragColor;

#define PI 3.14159265358979
#define TAU 6.28318530717959

// ---- hashes (integer-free, stable across drivers) ----
float hash11(float p) { p = fract(p * 0.1031); p *= p + 33.33; p *= p + p; return fract(p); }
float hash12(vec2 p) { vec3 p3 = fract(vec3(p.xyx) * 0.1031); p3 += dot(p3, p3.yzx + 33.33); return fract((p3.x + p3.y) * p3.z); }
vec2 hash22(vec2 p) { vec3 p3 = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973)); p3 += dot(p3, p3.yzx + 33.33); return fract((p3.xx + p3.yz) * p3.zy); }
vec3 hash32(vec2 p) { vec3 p3 = fract(vec3(p.xyx) * vec3(0.1031, 0.1030, 0.0973)); p3 += dot(p3, p3.yxz + 33.33); return fract((p3.xxy + p3.yzz) * p3.zyx); }
float hash13(vec3 p3) { p3 = fract(p3 * 0.1031); p3 += dot(p3, p3.zyx + 31.32); return fract((p3.x + p3.y) * p3.z); }

// ---- value and gradient noise, fbm ----
float vnoise(vec2 p) {
    vec2 i = floor(p), f = fract(p);
    vec2 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(hash12(i), hash12(i + vec2(1, 0)), u.x),
               mix(hash12(i + vec2(0, 1)), hash12(i + vec2(1, 1)), u.x), u.y);
}
float gnoise(vec2 p) {
    vec2 i = floor(p), f = fract(p);
    vec2 u = f * f * f * (f * (f * 6.0 - 15.0) + 10.0);
    vec2 ga = hash22(i) * 2.0 - 1.0, gb = hash22(i + vec2(1, 0)) * 2.0 - 1.0;
    vec2 gc = hash22(i + vec2(0, 1)) * 2.0 - 1.0, gd = hash22(i + vec2(1, 1)) * 2.0 - 1.0;
    float va = dot(ga, f), vb = dot(gb, f - vec2(1, 0));
    float vc = dot(gc, f - vec2(0, 1)), vd = dot(gd, f - vec2(1, 1));
    return 0.5 + 0.7 * mix(mix(va, vb, u.x), mix(vc, vd, u.x), u.y);
}
float vnoise3(vec3 p) {
    vec3 i = floor(p), f = fract(p);
    vec3 u = f * f * (3.0 - 2.0 * f);
    return mix(mix(mix(hash13(i), hash13(i + vec3(1, 0, 0)), u.x),
                   mix(hash13(i + vec3(0, 1, 0)), hash13(i + vec3(1, 1, 0)), u.x), u.y),
               mix(mix(hash13(i + vec3(0, 0, 1)), hash13(i + vec3(1, 0, 1)), u.x),
                   mix(hash13(i + vec3(0, 1, 1)), hash13(i + vec3(1, 1, 1)), u.x), u.y), u.z);
}
float fbm(vec2 p, int octaves) {
    float a = 0.5, s = 0.0;
    mat2 m = mat2(1.6, 1.2, -1.2, 1.6);
    for (int i = 0; i < 8; i++) {
        if (i >= octaves) break;
        s += a * gnoise(p);
        p = m * p;
        a *= 0.5;
    }
    return s;
}

// ---- colour and geometry helpers ----
// Inigo Quilez's cosine palette: a + b*cos(2pi(c*t+d)).
vec3 palette(float t, vec3 a, vec3 b, vec3 c, vec3 d) { return a + b * cos(TAU * (c * t + d)); }
// A palette whose coefficients come from two parameter vectors, so every sample gets its own colours.
vec3 ppalette(float t, vec4 q, vec4 r) {
    return palette(t, vec3(0.5), vec3(0.35) + 0.15 * q.xyz, vec3(0.5) + r.xyz, vec3(q.w, r.w, q.x * r.y));
}
vec3 hsv2rgb(vec3 c) { vec3 p = abs(fract(c.xxx + vec3(0.0, 2.0 / 3.0, 1.0 / 3.0)) * 6.0 - 3.0); return c.z * mix(vec3(1.0), clamp(p - 1.0, 0.0, 1.0), c.y); }
mat2 rot2(float a) { float c = cos(a), s = sin(a); return mat2(c, s, -s, c); }
float sdCircle(vec2 p, float r) { return length(p) - r; }
float sdBox(vec2 p, vec2 b) { vec2 d = abs(p) - b; return length(max(d, 0.0)) + min(max(d.x, d.y), 0.0); }
float sdSegment(vec2 p, vec2 a, vec2 b) { vec2 pa = p - a, ba = b - a; float h = clamp(dot(pa, ba) / dot(ba, ba), 0.0, 1.0); return length(pa - ba * h); }

vec3 shade(vec2 p);

void main() {
    vec2 fc = gl_FragCoord.xy - uTile;
    vec2 p = (2.0 * fc - uRes) / uRes.y;
    fragColor = vec4(shade(p), 1.0);
}
