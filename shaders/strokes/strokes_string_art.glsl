// name: strokes_string_art
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x peg count, uP0.y multiplier, uP0.z offset, uP0.w frame shape circle/square, uP1+uP2 palette, uP3.x thread width, uP3.y rotation, uP3.z background dark/light, uP3.w second thread set

vec2 peg(float i, float n, float sq) {
    float a = i / n * TAU;
    vec2 c = vec2(cos(a), sin(a));
    vec2 s = c / max(abs(c.x), abs(c.y));
    return mix(c, s * 0.85, sq) * 0.92;
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.y * TAU) * p;
    float n = floor(mix(16.0, 48.0, uP0.x));
    float mul = floor(mix(2.0, 11.0, uP0.y)) + step(0.7, uP0.y) * 0.5;
    float off = floor(uP0.z * n);
    float sq = step(0.6, uP0.w);
    float w = mix(0.002, 0.012, uP3.x);
    bool dark = uP3.z < 0.55;
    vec3 col = dark ? vec3(0.02, 0.02, 0.04) + 0.08 * ppalette(0.0, uP2, uP1) : vec3(0.95, 0.94, 0.9);
    int sets = uP3.w > 0.5 ? 2 : 1;
    for (int s = 0; s < 2; s++) {
        if (s >= sets) break;
        float m = mul + float(s) * floor(mix(1.0, 5.0, uP3.w));
        for (int i = 0; i < 48; i++) {
            float fi = float(i);
            if (fi >= n) break;
            vec2 a = peg(fi, n, sq);
            vec2 b = peg(mod(fi * m + off, n), n, sq);
            float d = sdSegment(p, a, b);
            float cov = smoothstep(w + px, w - px, d);
            vec3 c = ppalette(fi / n * 0.7 + float(s) * 0.4, uP1, uP2);
            col = dark ? col + c * cov * 0.6 : mix(col, c * 0.6, cov * 0.7);
        }
    }
    for (int i = 0; i < 48; i++) {
        float fi = float(i);
        if (fi >= n) break;
        col = mix(col, dark ? vec3(0.8) : vec3(0.15), smoothstep(0.018 + px, 0.018 - px, length(p - peg(fi, n, sq))));
    }
    return clamp(col, 0.0, 1.0);
}
