// name: cellular_crackle_mud
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z crack density, uP0.w rotation, uP1+uP2 palette, uP3.x crack width, uP3.y second crack scale strength, uP3.z curl of the plates, uP3.w light direction

// Dried mud: large plates whose edges are cracks (F2 - F1 small), finer secondary cracks,
// plates slightly curled up at the rims and lit from one side.
vec2 cracks(vec2 q) {
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0, d2 = 9.0;
    vec2 r1 = vec2(0.0);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 r = g + hash22(c + g) - f;
        float d = length(r);
        if (d < d1) { d2 = d1; d1 = d; r1 = r; } else if (d < d2) { d2 = d; }
    }
    return vec2(d2 - d1, d1);
}

vec3 shade(vec2 p) {
    float sc = mix(1.2, 4.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 30.0;
    q += 0.25 * vec2(gnoise(q * 1.5), gnoise(q * 1.5 + 3.0));
    vec2 a = cracks(q);
    vec2 b = cracks(q * 2.7 + 11.0);
    float w = mix(0.03, 0.12, uP3.x);
    float crack = 1.0 - smoothstep(0.0, w, a.x);
    float fine = (1.0 - smoothstep(0.0, w * 0.6, b.x)) * mix(0.0, 0.8, uP3.y);
    float rim = smoothstep(0.35, 0.0, a.x) * mix(0.0, 0.6, uP3.z);
    float slope = dFdx(rim) / max(abs(dFdx(p.x)), 1e-5) * cos(uP3.w * TAU)
                + dFdy(rim) / max(abs(dFdy(p.y)), 1e-5) * sin(uP3.w * TAU);
    float grain = fbm(q * 4.0, 3);
    vec3 mud = ppalette(0.2 + 0.3 * grain, uP1, uP2);
    vec3 col = mud * (0.75 + 0.5 * grain) * (1.0 + 0.08 * clamp(slope, -4.0, 4.0));
    col *= 1.0 - 0.55 * fine;
    col = mix(col, mud * 0.08, crack);
    return clamp(col, 0.0, 1.0);
}
