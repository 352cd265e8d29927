// name: shapes_triangle_shards
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x triangle count, uP0.y triangle size, uP0.z opacity, uP0.w layout seed, uP1+uP2 palette, uP3.x blending (paint over vs multiply), uP3.y outline, uP3.z background dark/light, uP3.w elongation

// signed distance to a triangle through its three edge lines (exact inside, bevelled outside)
float sdTri(vec2 p, vec2 a, vec2 b, vec2 c) {
    float o = sign((b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x));
    vec2 e0 = b - a, e1 = c - b, e2 = a - c;
    float d0 = o * (e0.x * (p.y - a.y) - e0.y * (p.x - a.x)) / length(e0);
    float d1 = o * (e1.x * (p.y - b.y) - e1.y * (p.x - b.x)) / length(e1);
    float d2 = o * (e2.x * (p.y - c.y) - e2.y * (p.x - c.x)) / length(e2);
    return -min(min(d0, d1), d2);
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
    int n = 3 + int(uP0.x * 14.0);
    vec3 col = mix(vec3(0.04), vec3(0.96), uP3.x < 0.5 ? step(0.5, uP3.z) : 1.0) * mix(vec3(1.0), ppalette(0.2, uP2, uP1), 0.35);
    for (int i = 0; i < 17; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec2 c = (hash22(vec2(fi, uP0.w * 33.0)) * 2.0 - 1.0) * vec2(1.3, 0.9);
        float s = mix(0.15, 0.9, uP0.y) * mix(0.5, 1.2, hash11(fi * 7.0 + uP0.w));
        float a0 = hash11(fi * 3.0 + uP0.w * 5.0) * TAU;
        float el = mix(1.0, 3.0, uP3.w);
        vec2 va = c + s * vec2(cos(a0), sin(a0)) * el;
        vec2 vb = c + s * vec2(cos(a0 + 2.1 + hash11(fi + 1.0)), sin(a0 + 2.1 + hash11(fi + 1.0)));
        vec2 vc = c + s * vec2(cos(a0 + 4.2 - hash11(fi + 2.0)), sin(a0 + 4.2 - hash11(fi + 2.0))) * 0.8;
        float d = sdTri(p, va, vb, vc);
        float cov = smoothstep(px, -px, d) * mix(0.45, 1.0, uP0.z);
        vec3 ci = pal(hash11(fi * 1.9 + uP0.w * 3.0));
        col = uP3.x < 0.5 ? mix(col, ci, cov) : mix(col, col * (ci * 1.2), cov);
        if (uP3.y > 0.6) col = mix(col, vec3(step(uP3.z, 0.5)), smoothstep(px * 1.5, 0.0, abs(d)));
    }
    return clamp(col, 0.0, 1.0);
}
