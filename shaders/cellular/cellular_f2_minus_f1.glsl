// name: cellular_f2_minus_f1
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x edge width, uP3.y domain warp, uP3.z anisotropy, uP3.w dark edges or glowing edges

// F2 - F1 is zero on the cell borders and peaks near the seeds: thin networks of edges,
// like veins or a sponge, over a softly shaded fill.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.5, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p;
    q.x *= mix(1.0, 2.5, uP3.z);
    q = q * sc + uP0.xy * 40.0;
    q += mix(0.0, 1.2, uP3.y) * (vec2(fbm(q * 0.5, 3), fbm(q * 0.5 + 7.3, 3)) - 0.45);
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0, d2 = 9.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 o = hash22(c + g);
        o = 0.5 + 0.45 * sin(uTime * 0.2 + TAU * o);
        float d = length(g + o - f);
        if (d < d1) { d2 = d1; d1 = d; } else if (d < d2) { d2 = d; }
    }
    float e = d2 - d1;
    float w = mix(0.04, 0.2, uP3.x);
    float edge = 1.0 - smoothstep(0.0, w, e);
    vec3 fill = ppalette(e * 1.2 + uP0.w, uP1, uP2) * (0.5 + 0.7 * smoothstep(0.0, 0.6, e));
    vec3 ink = uP3.w > 0.5 ? ppalette(0.5, uP2, uP1) * 1.3 : vec3(0.02);
    return clamp(mix(fill, ink, edge), 0.0, 1.0);
}
