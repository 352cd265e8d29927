// name: noise_gabor_sparse
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell scale, uP0.w main orientation, uP1+uP2 palette, uP3.x orientation spread, uP3.y kernel frequency, uP3.z impulse count, uP3.w colour mode

// Sparse-convolution (Gabor-like) noise: random oriented cosine kernels with Gaussian windows
// scattered per cell and summed, giving anisotropic, fabric- or fingerprint-like texture.
vec3 shade(vec2 p) {
    float sc = mix(2.0, 7.0, uP0.z);
    vec2 q = p * sc + uP0.xy * 40.0;
    vec2 c = floor(q);
    float freq = mix(4.0, 12.0, uP3.y);
    float spread = uP3.x * PI;
    int count = 1 + int(uP3.z * 3.0);
    float s = 0.0;
    float orient = 0.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 cell = c + vec2(i, j);
        for (int k = 0; k < 4; k++) {
            if (k >= count) break;
            vec3 h = hash32(cell * 1.7 + float(k) * 13.1);
            vec2 d = q - cell - h.xy;
            float ang = uP0.w * PI + (h.z - 0.5) * spread;
            float g = exp(-2.5 * dot(d, d));
            float wave = cos(freq * dot(d, vec2(cos(ang), sin(ang))) + h.x * TAU);
            s += g * wave * (h.y > 0.5 ? 1.0 : -1.0);
            orient += g * h.z;
        }
    }
    s = s / sqrt(float(count)) * 0.6;
    vec3 col = uP3.w > 0.5 ? ppalette(s * 0.5 + orient * 0.3, uP1, uP2)
                           : mix(ppalette(0.0, uP1, uP2) * 0.2, ppalette(0.6, uP2, uP1), 0.5 + 0.5 * s);
    return clamp(col, 0.0, 1.0);
}
