// name: shapes_nested_polygons
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x group count, uP0.y group size, uP0.z sides, uP0.w layout seed, uP1+uP2 palette, uP3.x stroke width, uP3.y nesting depth, uP3.z background dark/light, uP3.w twist between nested outlines

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
    int groups = 1 + int(uP0.x * 4.0);
    int depth = 2 + int(uP3.y * 6.0);
    float sw = mix(0.006, 0.03, uP3.x);
    vec3 col = mix(vec3(0.03), vec3(0.95), step(0.5, uP3.z)) * mix(vec3(1.0), ppalette(0.9, uP2, uP1), 0.3);
    for (int g = 0; g < 6; g++) {
        if (g >= groups) break;
        float fg = float(g);
        vec3 h = hash32(vec2(fg * 4.1, uP0.w * 23.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.1, 0.75) * step(0.5, float(groups));
        if (groups == 1) c = vec2(0.0);
        float k = floor(mix(3.0, 8.99, fract(uP0.z + h.z * 0.5 * step(0.5, fract(uP0.w * 3.0)))));
        float R0 = mix(0.4, 1.1, uP0.y) * mix(0.7, 1.1, h.z) / (groups > 2 ? 1.3 : 1.0);
        // polar coordinates once per group; each nested outline only shifts the angle
        vec2 pc = p - c;
        float r = length(pc), a0 = atan(pc.y, pc.x);
        float seg = TAU / k;
        for (int i = 0; i < 8; i++) {
            if (i >= depth) break;
            float fi = float(i);
            float R = R0 * (1.0 - fi / float(depth));
            float b = mod(a0 + h.x * TAU + fi * uP3.w * 0.5 + seg * 0.5, seg) - seg * 0.5;
            float d = r * cos(b) - R * cos(seg * 0.5);
            vec3 ci = pal(fg * 0.23 + fi * 0.07);
            if (fract(uP0.w * 7.0) > 0.6) col = mix(col, ci * 0.6, smoothstep(px, -px, d) * step(mod(fi, 2.0), 0.5) * 0.5);
            col = mix(col, ci, smoothstep(sw + px, sw - px, abs(d)));
        }
    }
    return col;
}
