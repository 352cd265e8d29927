// name: strokes_string_art
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x peg count, uP0.y chord multiplier, uP0.z peg offset, uP0.w frame shape circle/square, uP1+uP2 palette, uP3.x thread width, uP3.y rotation, uP3.z background dark/light, uP3.w second thread set

// a peg on the frame for the unit direction c: on the circle, or pushed out to a square
vec2 frame(vec2 c, float sq) { return mix(c, c / max(abs(c.x), abs(c.y)) * 0.85, sq) * 0.92; }

// four samples of this draw's palette, taken once per pixel: ppalette costs three cosines,
// which is slow on a software rasteriser inside a loop; pal() interpolates the samples cyclically
vec3 gPal0, gPal1, gPal2, gPal3;
void setupPal(vec4 q, vec4 r) {
    gPal0 = ppalette(0.0, q, r); gPal1 = ppalette(0.25, q, r);
    gPal2 = ppalette(0.5, q, r); gPal3 = ppalette(0.75, q, r);
}
vec3 pal(float t) {
    float u = fract(t) * 4.0;
    vec3 c = mix(gPal0, gPal1, clamp(u, 0.0, 1.0));
    c = mix(c, gPal2, clamp(u - 1.0, 0.0, 1.0));
    c = mix(c, gPal3, clamp(u - 2.0, 0.0, 1.0));
    return mix(c, gPal0, clamp(u - 3.0, 0.0, 1.0));
}

vec3 shade(vec2 p) {
    setupPal(uP1, uP2);
    float px = 2.0 / uRes.y;
    p = rot2(uP3.y * TAU) * p;
    float n = floor(mix(16.0, 36.0, uP0.x));
    float mul = floor(mix(2.0, 11.0, uP0.y));
    float off = floor(uP0.z * n);
    float sq = step(0.6, uP0.w);
    float w = mix(0.002, 0.012, uP3.x);
    bool dark = uP3.z < 0.55;
    vec3 col = dark ? vec3(0.02, 0.02, 0.04) + 0.08 * ppalette(0.0, uP2, uP1) : vec3(0.95, 0.94, 0.9);
    int sets = uP3.w > 0.5 ? 2 : 1;
    for (int s = 0; s < 2; s++) {
        if (s >= sets) break;
        float m = mul + float(s) * floor(mix(1.0, 5.0, uP3.w));
        // chord i joins peg i to peg (i*m + off) mod n; both ends advance by fixed rotations
        vec2 ca = vec2(1.0, 0.0);
        vec2 cb = vec2(cos(off * TAU / n), sin(off * TAU / n));
        mat2 ra = rot2(TAU / n), rb = rot2(m * TAU / n);
        for (int i = 0; i < 36; i++) {
            float fi = float(i);
            if (fi >= n) break;
            float d = sdSegment(p, frame(ca, sq), frame(cb, sq));
            float cov = smoothstep(w + px, w - px, d);
            vec3 c = pal(fi / n * 0.7 + float(s) * 0.4);
            col = dark ? col + c * cov * 0.6 : mix(col, c * 0.6, cov * 0.7);
            ca = ra * ca;
            cb = rb * cb;
        }
    }
    vec2 ca = vec2(1.0, 0.0);
    mat2 ra = rot2(TAU / n);
    float pegD = 1e9;
    for (int i = 0; i < 36; i++) {
        if (float(i) >= n) break;
        pegD = min(pegD, length(p - frame(ca, sq)));
        ca = ra * ca;
    }
    col = mix(col, dark ? vec3(0.8) : vec3(0.15), smoothstep(0.018 + px, 0.018 - px, pegD));
    return clamp(col, 0.0, 1.0);
}
