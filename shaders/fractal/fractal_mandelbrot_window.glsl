// name: fractal_mandelbrot_window
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x boundary angle, uP0.y cardioid or period-2 bulb, uP0.z zoom (log scale), uP0.w rotation, uP1+uP2 palette, uP3.x colour frequency, uP3.y interior style, uP3.z colour offset, uP3.w offset off the boundary

// The Mandelbrot set seen through a random window centred on a point of its boundary (the
// main cardioid or the period-2 disc, both known in closed form), so every zoom shows detail.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

vec3 shade(vec2 p) {
    float t = uP0.x * TAU;
    vec2 e = vec2(cos(t), sin(t));
    vec2 c0 = uP0.y < 0.7 ? 0.5 * e - 0.25 * cmul(e, e) : vec2(-1.0, 0.0) + 0.25 * e;
    float zoom = exp(mix(log(1.3), log(0.004), uP0.z));
    c0 += e * (uP3.w - 0.5) * zoom * 0.8;
    vec2 c = c0 + rot2(uP0.w * TAU) * p * zoom;
    vec2 z = vec2(0.0);
    float n = 0.0, m2 = 0.0;
    bool escaped = false;
    for (int i = 0; i < 96; i++) {
        z = cmul(z, z) + c;
        m2 = dot(z, z);
        if (m2 > 256.0) { escaped = true; break; }
        n += 1.0;
    }
    if (!escaped) {
        vec3 inside = ppalette(m2 * 0.5 + uP3.z, uP2, uP1);
        return uP3.y < 0.5 ? inside * 0.15 : inside * 0.6;
    }
    float sn = n - log2(log2(m2)) + 4.0;
    float k = mix(0.5, 3.0, uP3.x);
    vec3 col = ppalette(log(sn + 1.0) * k + uP3.z, uP1, uP2);
    return col * clamp(0.3 + sn * 0.05, 0.0, 1.0);
}
