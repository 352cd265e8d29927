// name: plasma_spiral_waves
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x arm count, uP0.y winding, uP0.z logarithmic or Archimedean, uP0.w second spiral (counter-rotating pair), uP1+uP2 palette, uP3.xy centre, uP3.z band sharpness, uP3.w speed

// Rotating spiral waves (as in excitable media): phase = arms * angle + winding * f(r) - t, with
// f logarithmic or linear; a second, opposite spiral can interfere with the first.
float spiral(vec2 q, float arms, float wind, bool logr, float t) {
    float r = length(q) + 1e-4;
    float a = atan(q.y, q.x);
    float f = logr ? log(r) * 3.0 : r * 6.0;
    return cos(arms * a + wind * f - t);
}

vec3 shade(vec2 p) {
    float arms = 1.0 + floor(uP0.x * 6.0);
    float wind = mix(1.0, 5.0, uP0.y) * (uP0.y > 0.5 ? 1.0 : -1.0);
    bool logr = uP0.z > 0.5;
    float t = uTime * mix(0.5, 3.0, uP3.w);
    vec2 c = (uP3.xy - 0.5) * 0.8;
    float v = spiral(p - c, arms, wind, logr, t);
    if (uP0.w > 0.5) v = 0.5 * (v + spiral(p + c, arms, -wind, logr, t));
    float sh = mix(1.0, 6.0, uP3.z);
    float b = 0.5 + 0.5 * tanh(v * sh);
    return clamp(ppalette(b * 0.6 + length(p) * 0.15, uP1, uP2) * (0.25 + 0.85 * b), 0.0, 1.0);
}
