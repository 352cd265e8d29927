// name: shapes_stars
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x star count, uP0.y star size, uP0.z point count, uP0.w layout seed, uP1+uP2 palette, uP3.x inner radius ratio, uP3.y background dark/light, uP3.z outline, uP3.w point count variation

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
    int n = 3 + int(uP0.x * 13.0);
    vec3 bg = mix(vec3(0.03, 0.03, 0.08), vec3(0.95), step(0.5, uP3.y)) * mix(vec3(1.0), ppalette(0.7, uP2, uP1), 0.35);
    vec3 col = bg;
    for (int i = 0; i < 16; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 3.7, uP0.w * 19.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.35, 0.95);
        float R = mix(0.15, 0.65, uP0.y) * mix(0.6, 1.2, h.z);
        float k = floor(mix(4.0, 8.99, fract(uP0.z + uP3.w * hash11(fi + uP0.w))));
        float inner = mix(0.3, 0.75, uP3.x);
        vec2 q = rot2(h.z * TAU) * (p - c);
        float a = atan(q.y, q.x), r = length(q);
        float seg = TAU / k;
        float t = abs(mod(a, seg) - seg * 0.5) / (seg * 0.5);  // 0 at a point, 1 between points
        // star boundary: straight edges between tip (R) and valley (R*inner), in polar form
        vec2 tip = vec2(R, 0.0);
        vec2 val = inner * R * vec2(cos(seg * 0.5), sin(seg * 0.5));
        vec2 qq = r * vec2(cos((1.0 - t) * seg * 0.5 * 0.0 + t * seg * 0.5), sin(t * seg * 0.5));
        vec2 e = val - tip;
        float d = (e.x * (qq.y - tip.y) - e.y * (qq.x - tip.x)) / length(e);
        d = -d;
        vec3 ci = pal(hash11(fi * 2.3 + uP0.w));
        if (uP3.z > 0.5) col = mix(col, vec3(0.02), smoothstep(px, -px, d - 0.015));
        col = mix(col, ci, smoothstep(px, -px, d));
    }
    return col;
}
