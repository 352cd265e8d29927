// name: noise_ridged_multifractal
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x octaves, uP3.y ridge sharpness, uP3.z gain, uP3.w contrast and inversion

// Ridged multifractal: each octave is folded around zero and weighted by the previous one,
// so sharp crests branch into finer crests.
float ridged(vec2 q, int oct, float sharp, float gain) {
    float s = 0.0, a = 0.5, w = 1.0, norm = 0.0;
    mat2 m = rot2(0.63) * 2.07;
    for (int i = 0; i < 8; i++) {
        if (i >= oct) break;
        float n = 1.0 - abs(2.0 * gnoise(q) - 1.0);
        n = pow(clamp(n, 0.0, 1.0), sharp);
        s += a * n * w;
        norm += a;
        w = clamp(n * gain, 0.0, 1.0);
        q = m * q + vec2(3.1, 1.7);
        a *= 0.5;
    }
    return s / norm;
}

vec3 shade(vec2 p) {
    float zoom = mix(0.6, 3.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * zoom + uP0.xy * 40.0 + vec2(0.0, uTime * 0.02);
    int oct = 3 + int(uP3.x * 5.0);
    float r = ridged(q, oct, mix(1.0, 4.0, uP3.y), mix(0.8, 2.5, uP3.z));
    float t = pow(clamp(r, 0.0, 1.0), mix(0.7, 2.5, fract(uP3.w * 3.0)));
    if (uP3.w > 0.7) t = 1.0 - t;
    // Shade the crests as if lit from one side, so the ridges read as relief.
    float slope = clamp(dFdx(t) / max(abs(dFdx(p.x)), 1e-5) * 0.08, -0.6, 0.6);
    vec3 col = ppalette(t * 0.7 + uP0.w, uP1, uP2);
    return clamp(col * mix(0.1, 1.15, t) * (1.0 + slope), 0.0, 1.0);
}
