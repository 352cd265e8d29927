// name: plasma_moire_gratings
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x angle between gratings, uP0.y second grating period ratio, uP0.z base frequency, uP0.w rotation, uP1+uP2 palette, uP3.x warp of one grating, uP3.y number of gratings 2..3, uP3.z contrast, uP3.w colour mode

// Moire of straight line gratings slightly rotated or scaled against each other (one optionally
// bent by a sine warp); carrier terms are faded by their screen-space rate as in moire_rings.
float fadeTerm(float ph) {
    return cos(ph) * clamp(1.0 - fwidth(ph) / PI, 0.0, 1.0);
}

vec3 shade(vec2 p) {
    float k = mix(12.0, 35.0, uP0.z);
    p = rot2(uP0.w * TAU) * p;
    float da = mix(0.02, 0.25, uP0.x);
    vec2 d1 = vec2(1.0, 0.0), d2 = vec2(cos(da), sin(da)) * mix(0.95, 1.08, uP0.y);
    float a = dot(p, d1) * k;
    float b = dot(p + mix(0.0, 0.15, uP3.x) * vec2(sin(p.y * 3.0), 0.0), d2) * k;
    float v = 0.5 * (fadeTerm(a - b) + fadeTerm(a + b));
    if (uP3.y > 0.5) {
        vec2 d3 = vec2(cos(-da * 1.7), sin(-da * 1.7));
        float c = dot(p, d3) * k * 1.03;
        v = 0.5 * v + 0.25 * (fadeTerm(a - c) + fadeTerm(b - c));
    }
    v = clamp(0.5 + 0.5 * v * mix(1.0, 2.0, uP3.z), 0.0, 1.0);
    vec3 col = uP3.w > 0.5 ? ppalette(v * 0.7, uP1, uP2) : mix(vec3(0.03), ppalette(0.3, uP1, uP2), v);
    return clamp(col, 0.0, 1.0);
}
