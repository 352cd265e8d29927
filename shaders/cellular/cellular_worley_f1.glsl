// name: cellular_worley_f1
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x jitter, uP3.y falloff, uP3.z per-cell colour spread, uP3.w inverted (glowing seeds or dark pits)

// Worley F1: distance to the nearest jittered seed, with each cell tinted by its own hash.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 5.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 50.0;
    vec2 c = floor(q), f = fract(q);
    float jit = mix(0.35, 1.0, uP3.x);
    float d1 = 9.0;
    float id = 0.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 h = hash22(c + g);
        vec2 o = 0.5 + jit * (h - 0.5) + 0.15 * jit * sin(uTime * 0.3 + TAU * h.yx);
        float d = length(g + o - f);
        if (d < d1) { d1 = d; id = hash12(c + g + 17.0); }
    }
    float t = clamp(d1 * mix(0.9, 1.6, uP3.y), 0.0, 1.0);
    t = pow(t, mix(0.5, 2.5, uP3.y));
    if (uP3.w > 0.5) t = 1.0 - t;
    vec3 col = ppalette(id * mix(0.1, 1.0, uP3.z) + t * 0.4, uP1, uP2);
    return col * mix(0.1, 1.2, t);
}
