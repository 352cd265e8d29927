// name: cellular_worley_foam
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z base scale, uP0.w lacunarity, uP1+uP2 palette, uP3.x octaves, uP3.y F1 or 1-F1 per octave, uP3.z gain, uP3.w contrast

// Fractal sum of Worley F1 over several octaves: foam, sea sponge, or cratered plaster.
float worley(vec2 q) {
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        d1 = min(d1, length(g + hash22(c + g) - f));
    }
    return d1;
}

vec3 shade(vec2 p) {
    vec2 q = p * mix(1.5, 4.0, uP0.z) + uP0.xy * 30.0;
    int oct = 2 + int(uP3.x * 3.0);
    float lac = mix(1.8, 2.6, uP0.w);
    float gain = mix(0.35, 0.65, uP3.z);
    float s = 0.0, a = 1.0, norm = 0.0;
    for (int i = 0; i < 5; i++) {
        if (i >= oct) break;
        float w = worley(q);
        s += a * (uP3.y > 0.5 ? 1.0 - w : w);
        norm += a;
        a *= gain;
        q = rot2(0.9) * q * lac + 5.3;
    }
    s /= norm;
    s = clamp((s - 0.45) * mix(1.5, 4.0, uP3.w) + 0.5, 0.0, 1.0);
    return ppalette(s * 0.8, uP1, uP2) * mix(0.15, 1.1, s);
}
