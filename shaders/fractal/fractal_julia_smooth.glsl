// name: fractal_julia_smooth
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x angle of c on the cardioid, uP0.y distance of c from the boundary, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.xy pan, uP3.z colour frequency, uP3.w interior style

// Filled Julia sets for c near the boundary of the main cardioid: slightly inside gives
// connected, fat sets; slightly outside gives dust and spirals.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

vec3 shade(vec2 p) {
    float t = uP0.x * TAU;
    vec2 e = vec2(cos(t), sin(t));
    vec2 c = (0.5 * e - 0.25 * cmul(e, e)) * mix(0.96, 1.04, uP0.y);
    float zoom = mix(0.7, 1.5, uP0.z);
    vec2 z = rot2(uP0.w * TAU) * p * zoom + (uP3.xy - 0.5) * 0.6;
    float n = 0.0, m2 = 0.0;
    bool escaped = false;
    for (int i = 0; i < 96; i++) {
        z = cmul(z, z) + c;
        m2 = dot(z, z);
        if (m2 > 256.0) { escaped = true; break; }
        n += 1.0;
    }
    if (!escaped) {
        float a = atan(z.y, z.x) / TAU;
        return uP3.w < 0.7 ? ppalette(a + 0.5, uP2, uP1) * 0.6 : vec3(0.02);
    }
    float sn = n - log2(log2(m2)) + 4.0;
    float k = mix(0.4, 1.6, uP3.z);
    vec3 col = ppalette(log(1.0 + sn) * k, uP1, uP2);
    return col * (1.0 - exp(-sn * 0.25));
}
