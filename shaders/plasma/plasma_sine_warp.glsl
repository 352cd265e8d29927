// name: plasma_sine_warp
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z base frequency, uP0.w rotation, uP1+uP2 palette, uP3.x iterations, uP3.y warp amplitude, uP3.z frequency growth, uP3.w colour from x or from length

// Iterated sine displacement: each pass pushes the point along sines of its swapped coordinates
// at a rising frequency, folding a smooth gradient into liquid marbling.
vec3 shade(vec2 p) {
    vec2 q = rot2(uP0.w * TAU) * p * mix(0.8, 2.5, uP0.z) + (uP0.xy - 0.5) * 4.0;
    int iters = 3 + int(uP3.x * 6.0);
    float amp = mix(0.3, 1.0, uP3.y);
    float g = mix(1.2, 1.7, uP3.z);
    float f = 1.0;
    float t = uTime * 0.2;
    for (int i = 0; i < 9; i++) {
        if (i >= iters) break;
        q += amp / f * vec2(sin(q.y * f + t + float(i)), cos(q.x * f - t + 1.7 * float(i)));
        f *= g;
    }
    float v = uP3.w > 0.5 ? 0.5 + 0.5 * sin(q.x * 1.3) * cos(q.y * 0.9) : length(q) * 0.25;
    return clamp(ppalette(v, uP1, uP2), 0.0, 1.0);
}
