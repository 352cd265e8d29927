// name: plasma_moire_rings
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.xy offset of the second centre, uP0.z ring frequency, uP0.w frequency ratio, uP1+uP2 palette, uP3.x third ring set, uP3.y duty (thin or thick rings), uP3.z colour mode, uP3.w centre position

// Moire of overlapping concentric ring gratings. The product of two gratings is the sum of a
// difference (moire) and a sum (carrier) term; each is faded out as its phase changes faster
// than the pixel grid can show, so the beat pattern survives at any resolution.
float fadeTerm(float ph) {
    float fw = fwidth(ph);
    return cos(ph) * clamp(1.0 - fw / PI, 0.0, 1.0);
}

vec3 shade(vec2 p) {
    float k = mix(8.0, 24.0, uP0.z);
    vec2 c0 = (vec2(uP3.w, fract(uP3.w * 3.3)) - 0.5) * 1.0;
    vec2 c1 = c0 + (uP0.xy - 0.5) * 0.8;
    float a = length(p - c0) * k;
    float b = length(p - c1) * k * (uP0.w > 0.5 ? mix(1.04, 1.15, uP0.w * 2.0 - 1.0) : mix(0.87, 0.96, uP0.w * 2.0));
    float v = 0.5 * (fadeTerm(a - b) + fadeTerm(a + b));
    if (uP3.x > 0.5) {
        vec2 c2 = c0 + (uP0.yx - 0.5) * vec2(-0.8, 0.8);
        float cc = length(p - c2) * k;
        v = 0.5 * v + 0.25 * (fadeTerm(a - cc) + fadeTerm(b - cc));
    }
    v = 0.5 + 0.5 * v;
    v = smoothstep(mix(0.1, 0.5, uP3.y), 1.0, v);
    vec3 col = uP3.z > 0.5 ? ppalette(v, uP1, uP2) : mix(ppalette(0.0, uP1, uP2) * 0.2, ppalette(0.5, uP2, uP1), v);
    return clamp(col, 0.0, 1.0);
}
