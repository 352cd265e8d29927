// name: fractal_phoenix
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x real constant p, uP0.y feedback q, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x colour frequency, uP3.y pan, uP3.z interior style, uP3.w axis swap

// The Phoenix map z_{n+1} = z_n^2 + p + q z_{n-1}: the memory term bends Julia-like sets into
// feathered, flame-like shapes.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

vec3 shade(vec2 p) {
    float pc = mix(0.45, 0.6, uP0.x);
    float qc = mix(-0.6, -0.35, uP0.y);
    vec2 z = rot2(uP0.w * TAU) * p * mix(0.6, 1.5, uP0.z) + (vec2(uP3.y, fract(uP3.y * 3.7)) - 0.5) * 0.4;
    if (uP3.w > 0.5) z = z.yx;
    vec2 zp = vec2(0.0);
    float n = 0.0, m2 = 0.0;
    bool escaped = false;
    for (int i = 0; i < 96; i++) {
        vec2 zn = cmul(z, z) + vec2(pc, 0.0) + qc * zp;
        zp = z;
        z = zn;
        m2 = dot(z, z);
        if (m2 > 256.0) { escaped = true; break; }
        n += 1.0;
    }
    if (!escaped) {
        float a = atan(z.y, z.x) / TAU + 0.5;
        return uP3.z > 0.5 ? ppalette(a + m2, uP2, uP1) * 0.6 : vec3(0.02);
    }
    float sn = n - log2(log2(m2)) + 4.0;
    vec3 col = ppalette(log(1.0 + sn) * mix(0.4, 1.6, uP3.x), uP1, uP2);
    return col * (1.0 - exp(-sn * 0.2));
}
