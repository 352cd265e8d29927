// name: shapes_circles_layered
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x circle count, uP0.y size range, uP0.z size distribution, uP0.w layout seed, uP1+uP2 palette, uP3.x drop shadow, uP3.y outline, uP3.z background dark/light, uP3.w palette spread

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
    int n = 4 + int(uP0.x * 20.0);
    vec3 col = mix(vec3(0.05), vec3(0.95), smoothstep(0.3, 0.7, uP3.z)) * mix(vec3(1.0), ppalette(0.5, uP2, uP1), 0.35);
    vec2 sh = vec2(0.03, -0.03);
    for (int i = 0; i < 24; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(uP0.w * 71.0, fi * 1.37));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.4, 1.05);
        float r = mix(0.05, mix(0.2, 0.75, uP0.y), pow(h.z, mix(0.5, 3.0, uP0.z)));
        float d = length(p - c) - r;
        if (uP3.x > 0.5) col = mix(col, col * 0.55, smoothstep(0.03, -0.02, length(p - c - sh) - r) * 0.8);
        vec3 ci = pal(hash11(fi + uP0.w * 13.0) * mix(0.2, 1.0, uP3.w));
        float ow = uP3.y > 0.5 ? mix(0.005, 0.02, uP3.y) : 0.0;
        col = mix(col, vec3(0.03), smoothstep(px, -px, d - ow) * step(0.001, ow));
        col = mix(col, ci, smoothstep(px, -px, d + ow));
    }
    return col;
}
