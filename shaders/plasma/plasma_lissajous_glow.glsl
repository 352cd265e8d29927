// name: plasma_lissajous_glow
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x frequency a, uP0.y frequency b, uP0.z phase, uP0.w rotation, uP1+uP2 palette, uP3.x glow width, uP3.y curve size, uP3.z colour along the curve, uP3.w background

// A Lissajous figure (x = sin(a t + phase), y = sin(b t)) drawn as a glowing line: the distance
// to the curve is taken over 64 chords of one full period.
vec3 shade(vec2 p) {
    float a = 1.0 + floor(uP0.x * 5.0);
    float b = 1.0 + floor(uP0.y * 6.0);
    if (a == b) b += 1.0;
    float ph = uP0.z * PI + uTime * 0.1;
    vec2 q = rot2(uP0.w * TAU) * p / mix(0.6, 0.95, uP3.y);
    float d = 1e3, tBest = 0.0;
    vec2 prev = vec2(sin(ph), 0.0);
    for (int i = 1; i <= 64; i++) {
        float t = float(i) / 64.0 * TAU;
        vec2 cur = vec2(sin(a * t + ph), sin(b * t));
        float di = sdSegment(q, prev, cur);
        if (di < d) { d = di; tBest = t; }
        prev = cur;
    }
    float w = mix(0.005, 0.04, uP3.x);
    float core = 1.0 - smoothstep(w, w + 0.01, d);
    float glow = exp(-d * mix(8.0, 30.0, uP3.x));
    vec3 lc = ppalette(uP3.z * tBest / TAU + 0.1, uP1, uP2);
    vec3 bg = ppalette(0.7, uP2, uP1) * mix(0.0, 0.35, uP3.w);
    return clamp(bg + lc * (0.8 * glow + core), 0.0, 1.0);
}
