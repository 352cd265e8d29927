// name: cellular_weighted_curves
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w weight spread, uP1+uP2 palette, uP3.x border width, uP3.y inner rings, uP3.z rotation, uP3.w fill brightness

// Multiplicatively weighted Voronoi: distance divided by each seed's weight, so borders
// become circular arcs and big cells swallow small ones (a 5x5 search keeps it exact enough).
vec3 shade(vec2 p) {
    float sc = mix(2.0, 5.0, uP0.z);
    vec2 q = rot2(uP3.z * TAU) * p * sc + uP0.xy * 30.0;
    vec2 c = floor(q), f = fract(q);
    float d1 = 99.0, d2 = 99.0;
    float id = 0.0;
    float spread = mix(0.2, 0.8, uP0.w);
    for (int j = -2; j <= 2; j++)
    for (int i = -2; i <= 2; i++) {
        vec2 g = vec2(i, j);
        vec3 h = hash32(c + g);
        float wgt = 1.0 + spread * (2.0 * h.z - 1.0);
        float d = length(g + h.xy - f) / wgt;
        if (d < d1) { d2 = d1; d1 = d; id = h.z; } else if (d < d2) { d2 = d; }
    }
    float w = mix(0.02, 0.1, uP3.x);
    float border = smoothstep(0.0, w, d2 - d1);
    float rings = 0.5 + 0.5 * cos(d1 * mix(0.0, 15.0, uP3.y));
    vec3 col = ppalette(id * 0.8 + 0.1 * rings, uP1, uP2) * mix(0.4, 1.1, uP3.w);
    col *= mix(1.0, 0.6 + 0.4 * rings, step(0.2, uP3.y));
    return clamp(col * border, 0.0, 1.0);
}
