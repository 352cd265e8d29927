// name: shapes_nested_polygons
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x group count, uP0.y group size, uP0.z sides, uP0.w layout seed, uP1+uP2 palette, uP3.x stroke width, uP3.y nesting depth, uP3.z background dark/light, uP3.w twist between nested outlines

// distance to a regular polygon with k sides and circumradius R (exact on the edges, approximate at corners)
float sdNgon(vec2 q, float k, float R) {
    float seg = TAU / k;
    float a = atan(q.y, q.x);
    float b = mod(a + seg * 0.5, seg) - seg * 0.5;
    return length(q) * cos(b) - R * cos(seg * 0.5);
}

vec3 shade(vec2 p) {
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
        for (int i = 0; i < 8; i++) {
            if (i >= depth) break;
            float fi = float(i);
            float R = R0 * (1.0 - fi / float(depth));
            vec2 q = rot2(h.x * TAU + fi * uP3.w * 0.5) * (p - c);
            float d = sdNgon(q, k, R);
            vec3 ci = ppalette(fg * 0.23 + fi * 0.07, uP1, uP2);
            if (fract(uP0.w * 7.0) > 0.6) col = mix(col, ci * 0.6, smoothstep(px, -px, d) * step(mod(fi, 2.0), 0.5) * 0.5);
            col = mix(col, ci, smoothstep(sw + px, sw - px, abs(d)));
        }
    }
    return col;
}
