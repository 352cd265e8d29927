// name: noise_wood_rings
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy trunk centre, uP0.z ring count, uP0.w grain direction, uP1+uP2 palette, uP3.x ring distortion, uP3.y stretch along grain, uP3.z ring contrast, uP3.w fine grain strength

// Growth rings of a log cut at an angle: distance to the pith, distorted by noise, banded.
vec3 shade(vec2 p) {
    vec2 q = rot2(uP0.w * PI) * p;
    q -= (uP0.xy - 0.5) * 3.0;
    q.x /= mix(1.0, 6.0, uP3.y);
    float d = length(q);
    d += mix(0.02, 0.25, uP3.x) * fbm(q * 3.0 + uP0.xy * 10.0, 4);
    float rings = d * mix(2.5, 9.0, uP0.z);
    float band = fract(rings);
    float late = smoothstep(0.0, 0.15, band) * (1.0 - smoothstep(mix(0.3, 0.7, uP3.z), 1.0, band));
    float grain = vnoise(vec2(q.x * 3.0, q.y * 30.0) + uP0.xy * 20.0);
    vec3 light = ppalette(0.15 + 0.2 * fract(floor(rings) * 0.37), uP1, uP2);
    vec3 dark = light * mix(0.15, 0.6, uP3.z);
    vec3 col = mix(dark, light, late);
    col *= 1.0 - mix(0.05, 0.35, uP3.w) * grain;
    return clamp(col, 0.0, 1.0);
}
