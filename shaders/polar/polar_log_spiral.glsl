// name: polar_log_spiral
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x arm count, uP0.y winding, uP0.z counter-spiral arms, uP0.w centre offset, uP1+uP2 palette, uP3.x band sharpness, uP3.y rotation, uP3.z radial darkening, uP3.w colour bands vs two-tone

vec3 shade(vec2 p) {
    vec2 c = (vec2(fract(uP0.w * 3.7), uP0.w) - 0.5) * 0.8;
    vec2 q = rot2(uP3.y * TAU + uTime * 0.1) * (p - c);
    float r = max(length(q), 1e-4);
    float a = atan(q.y, q.x);
    float arms = floor(mix(1.0, 9.0, uP0.x));
    float k = mix(0.4, 4.0, uP0.y) * (fract(uP0.y * 13.0) > 0.5 ? 1.0 : -1.0);
    float arms2 = floor(uP0.z * 8.0);
    float lr = log(r);
    float s1 = arms * (a / TAU) + k * lr;
    float s2 = arms2 * (a / TAU) - k * 0.7 * lr;
    // analytic gradient magnitudes (per unit p) so the bands fade to their mean where they get too dense
    float g1 = sqrt(arms * arms / (TAU * TAU) + k * k) / r;
    float g2 = sqrt(arms2 * arms2 / (TAU * TAU) + 0.49 * k * k) / r;
    float px = 2.0 / uRes.y;
    float soft = mix(0.25, 0.02, uP3.x);
    float fw1 = g1 * px, fw2 = g2 * px;
    float b1 = smoothstep(0.25 - soft - fw1, 0.25 + soft + fw1, abs(fract(s1) - 0.5));
    float b2 = smoothstep(0.25 - soft - fw2, 0.25 + soft + fw2, abs(fract(s2) - 0.5));
    b1 = mix(b1, 0.5, smoothstep(0.15, 0.5, fw1));
    b2 = mix(b2, 0.5, smoothstep(0.15, 0.5, fw2));
    float v = arms2 > 0.0 ? abs(b1 - b2) : b1;
    vec3 colA = ppalette(0.1 + 0.3 * floor(mod(s1, 3.0)) * step(0.5, uP3.w), uP1, uP2);
    vec3 colB = ppalette(0.6 + lr * 0.15, uP2, uP1);
    vec3 col = mix(colA, colB, v);
    col *= mix(1.0, smoothstep(0.0, 0.9, r), uP3.z);
    return col;
}
