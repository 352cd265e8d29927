// name: fractal_kali_set
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.xy constant c, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x iterations, uP3.y pan, uP3.z accumulation sharpness, uP3.w colour by orbit or by final radius

// Kali's fold-and-invert map z -> |z| / |z|^2 - c, iterated a few times; an exponential
// orbit accumulator turns the folds into filigree.
vec3 shade(vec2 p) {
    vec2 c = mix(vec2(0.3, 0.3), vec2(1.05, 1.05), uP0.xy);
    float zoom = mix(0.3, 1.0, uP0.z);
    vec2 z = rot2(uP0.w * TAU) * p * zoom + vec2(uP3.y - 0.5, fract(uP3.y * 7.0) - 0.5);
    int iters = 4 + int(uP3.x * 7.0);
    float acc = 0.0, mn = 1e3;
    float k = mix(1.0, 6.0, uP3.z);
    for (int i = 0; i < 16; i++) {
        if (i >= iters) break;
        z = abs(z) / max(dot(z, z), 1e-4) - c;
        float r = length(z);
        acc += exp(-k * abs(r - 1.0));
        mn = min(mn, r);
    }
    acc /= float(iters);
    float t = uP3.w > 0.5 ? acc * 2.0 : mn * 1.5;
    vec3 col = ppalette(t, uP1, uP2);
    return clamp(col * (0.2 + 2.0 * acc), 0.0, 1.0);
}
