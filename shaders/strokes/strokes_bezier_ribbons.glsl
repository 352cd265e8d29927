// name: strokes_bezier_ribbons
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x curve count, uP0.y stroke width, uP0.z curl of control points, uP0.w layout seed, uP1+uP2 palette, uP3.x background tone, uP3.y width taper, uP3.z outline, uP3.w tube shading

vec2 cubicAt(vec2 a, vec2 b, vec2 c, vec2 d, float t) {
    vec2 ab = mix(a, b, t), bc = mix(b, c, t), cd = mix(c, d, t);
    return mix(mix(ab, bc, t), mix(bc, cd, t), t);
}

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
    int n = 3 + int(uP0.x * 4.0);
    float w0 = mix(0.016, 0.09, uP0.y * uP0.y);
    float curl = mix(0.6, 2.4, uP0.z);
    vec3 bg = mix(vec3(0.04), vec3(0.96), uP3.x) * mix(vec3(1.0), ppalette(0.9, uP2, uP1), 0.25);
    vec3 col = bg;
    for (int i = 0; i < 7; i++) {
        if (i >= n) break;
        float s = uP0.w * 91.0 + float(i) * 7.31;
        vec2 a = (hash22(vec2(s, 1.0)) * 2.0 - 1.0) * vec2(1.5, 1.0);
        vec2 b = (hash22(vec2(s, 2.0)) * 2.0 - 1.0) * curl;
        vec2 c = (hash22(vec2(s, 3.0)) * 2.0 - 1.0) * curl;
        vec2 d = (hash22(vec2(s, 4.0)) * 2.0 - 1.0) * vec2(1.5, 1.0);
        float best = 1e9, bt = 0.0;
        vec2 prev = a;
        for (int k = 1; k <= 14; k++) {
            float t = float(k) / 14.0;
            vec2 q = cubicAt(a, b, c, d, t);
            vec2 pa = p - prev, ba = q - prev;
            float h = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-8), 0.0, 1.0);
            float dd = length(pa - ba * h);
            if (dd < best) { best = dd; bt = t - (1.0 - h) / 14.0; }
            prev = q;
        }
        float w = w0 * mix(0.5, 1.5, hash11(s + 5.0)) * (1.0 - 0.9 * uP3.y * abs(2.0 * bt - 1.0));
        vec3 ci = pal(hash11(s + 9.0) + bt * 0.3 * uP0.z);
        float tube = mix(1.0, sqrt(max(0.0, 1.0 - best * best / (w * w + 1e-6))), uP3.w);
        float ow = uP3.z > 0.5 ? w * 0.35 + px : 0.0;
        col = mix(col, vec3(0.02) + 0.9 * (1.0 - uP3.x) * vec3(step(0.75, uP3.z)), smoothstep(w + ow + px, w + ow - px, best));
        col = mix(col, ci * (0.35 + 0.65 * tube), smoothstep(w + px, w - px, best));
    }
    return col;
}
