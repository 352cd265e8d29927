// name: cellular_minkowski_cells
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x Minkowski exponent (diamond, round, square), uP3.y edge width, uP3.z jitter, uP3.w shading by distance

// Voronoi under a Minkowski p-norm: cells become diamonds and crystals for p < 2 or
// axis-aligned blocks for large p, with flat per-cell colours and sharp borders.
float pnorm(vec2 v, float e) {
    v = abs(v) + 1e-6;
    return pow(pow(v.x, e) + pow(v.y, e), 1.0 / e);
}

vec3 shade(vec2 p) {
    float sc = mix(1.5, 5.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    float e = uP3.x < 0.5 ? mix(0.6, 2.0, uP3.x * 2.0) : mix(2.0, 8.0, uP3.x * 2.0 - 1.0);
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0, d2 = 9.0;
    float id = 0.0;
    float jit = mix(0.4, 1.0, uP3.z);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 o = 0.5 + jit * (hash22(c + g) - 0.5);
        float d = pnorm(g + o - f, e);
        if (d < d1) { d2 = d1; d1 = d; id = hash12(c + g); } else if (d < d2) { d2 = d; }
    }
    float w = mix(0.02, 0.12, uP3.y);
    float edge = smoothstep(0.0, w, d2 - d1);
    vec3 col = ppalette(id, uP1, uP2);
    col *= mix(1.0, 1.3 - d1, uP3.w);
    return clamp(col * edge, 0.0, 1.0);
}
