// name: shapes_boxes_rotated
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x box count, uP0.y box size, uP0.z rotation spread, uP0.w layout seed, uP1+uP2 palette, uP3.x corner rounding, uP3.y aspect spread, uP3.z background dark/light, uP3.w inner stripes

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
    int n = 3 + int(uP0.x * 16.0);
    vec3 col = mix(vec3(0.06), vec3(0.94), smoothstep(0.3, 0.7, uP3.z)) * mix(vec3(1.0), ppalette(0.3, uP2, uP1), 0.4);
    float baseAng = hash11(uP0.w * 3.0) * PI;
    for (int i = 0; i < 19; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 2.13, uP0.w * 57.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.3, 0.95);
        float s = mix(0.08, 0.5, uP0.y) * mix(0.5, 1.3, h.z);
        float asp = exp((hash11(fi + 9.0 + uP0.w) - 0.5) * 3.0 * uP3.y);
        vec2 b = s * vec2(asp, 1.0 / asp);
        float ang = baseAng + (hash11(fi * 5.1 + uP0.w) - 0.5) * PI * uP0.z;
        vec2 q = rot2(ang) * (p - c);
        float rr = uP3.x * min(b.x, b.y) * 0.9;
        float d = sdBox(q, b - rr) - rr;
        vec3 ci = pal(hash11(fi * 3.3 + uP0.w * 7.0));
        if (uP3.w > 0.6 && hash11(fi + 4.4) > 0.5) ci *= 0.7 + 0.3 * step(0.5, fract(q.x * 8.0 / s));
        col = mix(col, ci, smoothstep(px, -px, d));
    }
    return col;
}
