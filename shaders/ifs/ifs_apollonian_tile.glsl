// name: ifs_apollonian_tile
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z inversion strength, uP0.w rotation, uP1+uP2 palette, uP3.x iterations, uP3.y zoom, uP3.z twist per level, uP3.w line or filled rendering

// An Apollonian-like packing: fold into a periodic cell, invert in the unit circle, repeat.
// The accumulated scale turns the final coordinate into a distance for thin circle outlines.
vec3 shade(vec2 p) {
    vec2 z = rot2(uP0.w * TAU) * p * mix(0.6, 1.4, uP3.y) + (uP0.xy - 0.5);
    float s = mix(1.0, 1.5, uP0.z);
    int iters = 5 + int(uP3.x * 5.0);
    float sc = 1.0, trap = 1e3;
    mat2 tw = rot2((uP3.z - 0.5) * 0.5);
    for (int i = 0; i < 10; i++) {
        if (i >= iters) break;
        z = -1.0 + 2.0 * fract(0.5 * z + 0.5);
        z = tw * z;
        float r2 = max(dot(z, z), 1e-6);
        trap = min(trap, r2);
        float k = s / r2;
        z *= k;
        sc *= k;
    }
    float d = 0.25 * abs(z.y) / sc;
    vec3 base = ppalette(sqrt(trap) * 1.5, uP1, uP2);
    if (uP3.w > 0.5) {
        float line = exp(-d * mix(150.0, 400.0, uP3.z));
        return clamp(base * 0.15 + ppalette(0.3, uP2, uP1) * line, 0.0, 1.0);
    }
    return clamp(base * (0.3 + 0.7 * smoothstep(0.0, 0.01, d)), 0.0, 1.0);
}
