// name: shapes_transparent_discs
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x disc count, uP0.y disc size, uP0.z opacity, uP0.w layout seed, uP1+uP2 palette, uP3.x blend mode (over/multiply/add), uP3.y background dark/light, uP3.z soft edges, uP3.w ring vs disc

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
    float alpha = mix(0.35, 0.85, uP0.z);
    // multiply needs a light ground and adding light a dark one; painting over works on either
    float light = uP3.x < 0.34 ? step(0.5, uP3.y) : (uP3.x < 0.67 ? 1.0 : 0.0);
    vec3 col = mix(vec3(0.03), vec3(0.96), light) * mix(vec3(1.0), ppalette(uP3.y, uP2, uP1), 0.3);
    float soft = mix(px, 0.12, uP3.z * uP3.z);
    for (int i = 0; i < 16; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(uP0.w * 9.0 + fi, fi * 0.71));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.1, 0.8);
        float r = mix(0.15, 0.8, uP0.y) * mix(0.5, 1.2, h.z);
        float d = length(p - c) - r;
        if (uP3.w > 0.7) d = abs(d + r * 0.25) - r * 0.25;
        float a = smoothstep(soft, -soft, d) * alpha;
        vec3 ci = pal(fi / float(n) + h.z * 0.2);
        if (uP3.x < 0.34) col = mix(col, ci, a);
        else if (uP3.x < 0.67) col = mix(col, col * ci, a);
        else col = col + ci * a * 0.6;
    }
    if (uP3.x >= 0.67) col = 1.0 - exp(-col * 1.2);
    return col;
}
