// name: fractal_lyapunov
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.xy window centre in (a, b), uP0.z window size, uP0.w rotation, uP1+uP2 palette, uP3.x sequence length 2..8, uP3.y sequence bits, uP3.z chaos colour, uP3.w exponent scale

// Lyapunov fractal (Markus-Lyapunov): the logistic map x -> r x (1 - x) with r switching between
// a and b along a periodic sequence; the sign and size of the Lyapunov exponent give the colour.
vec3 shade(vec2 p) {
    vec2 centre = mix(vec2(2.6, 2.6), vec2(3.8, 3.8), uP0.xy);
    float size = mix(0.3, 1.0, uP0.z);
    vec2 ab = clamp(centre + rot2(uP0.w * TAU) * p * size, 0.5, 4.0);
    int len = 2 + int(uP3.x * 7.0);
    // Bit 0 is A and bit 1 is B, so every sequence uses both exponents.
    int bits = int(uP3.y * 64.0) * 4 + 2;
    float x = 0.5, lam = 0.0;
    for (int i = 0; i < 72; i++) {
        int k = i % len;
        float r = ((bits >> k) & 1) == 1 ? ab.y : ab.x;
        x = r * x * (1.0 - x);
        if (i >= 16) lam += log(max(abs(r * (1.0 - 2.0 * x)), 1e-6));
    }
    lam /= 56.0;
    float s = mix(1.0, 4.0, uP3.w);
    vec3 col;
    if (lam < 0.0) col = ppalette(1.0 - exp(lam * s), uP1, uP2) * (1.0 - exp(lam * s * 2.0));
    else col = ppalette(0.5 + uP3.z, uP2, uP1) * clamp(lam * s, 0.0, 1.0) * mix(0.2, 1.0, uP3.z);
    return clamp(col, 0.0, 1.0);
}
