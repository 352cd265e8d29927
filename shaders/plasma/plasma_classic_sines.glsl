// name: plasma_classic_sines
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z frequency, uP0.w rotation, uP1+uP2 palette, uP3.x radial term weight, uP3.y colour cycles, uP3.z speed, uP3.w posterise levels

// The demoscene plasma: horizontal, vertical, diagonal and radial sine waves summed, the sum
// cycled through a palette (optionally posterised into flat bands).
vec3 shade(vec2 p) {
    float k = mix(1.5, 5.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * k + (uP0.xy - 0.5) * 4.0;
    float t = uTime * mix(0.1, 1.0, uP3.z);
    float v = sin(q.x + t);
    v += sin(q.y * 1.3 - t * 0.7);
    v += sin((q.x + q.y) * 0.7 + t * 0.5);
    vec2 c = q + vec2(sin(t * 0.3) * 2.0, cos(t * 0.4) * 2.0);
    v += mix(0.0, 2.0, uP3.x) * sin(length(c) * 1.5 - t);
    v /= 3.0 + mix(0.0, 2.0, uP3.x);
    float tt = v * mix(0.5, 2.0, uP3.y);
    if (uP3.w > 0.6) {
        float lv = floor(mix(3.0, 8.0, fract(uP3.w * 3.0)));
        tt = floor(tt * lv) / lv;
    }
    return clamp(ppalette(tt, uP1, uP2), 0.0, 1.0);
}
