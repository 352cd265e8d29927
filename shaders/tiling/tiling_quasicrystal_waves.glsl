// name: tiling_quasicrystal_waves
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z wave number, uP0.w rotation, uP1+uP2 palette, uP3.x symmetry order 5..13, uP3.y quantised bands, uP3.z phase drift, uP3.w contrast

// A quasicrystal pattern: the sum of n plane waves whose directions are evenly spread over half a
// turn; for n = 5, 7, 8, ... it has n-fold (or 2n-fold) symmetry but never repeats.
vec3 shade(vec2 p) {
    int n = 5 + int(uP3.x * 9.0);
    float k = mix(6.0, 18.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p + (uP0.xy - 0.5) * 2.0;
    float s = 0.0;
    for (int j = 0; j < 13; j++) {
        if (j >= n) break;
        float a = float(j) * PI / float(n);
        s += cos(dot(q, vec2(cos(a), sin(a))) * k + uTime * mix(0.0, 1.0, uP3.z) * float(j));
    }
    s /= float(n);
    float t = 0.5 + 0.5 * s * mix(1.5, 4.0, uP3.w);
    if (uP3.y > 0.5) t = floor(t * 6.0) / 6.0;
    vec3 col = ppalette(t, uP1, uP2);
    return clamp(col * mix(0.3, 1.1, clamp(t, 0.0, 1.0)), 0.0, 1.0);
}
