// name: fractal_multibrot_tricorn
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x power 2..6, uP0.y conjugate (tricorn/multicorn) or not, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x point on the main component's edge, uP3.y distance from that edge, uP3.z colour frequency, uP3.w interior colour

// Multibrot sets z -> z^d + c (d = 2..6) and their anti-holomorphic cousins (conjugate first),
// which have d+1 or d-1 fold symmetry; a random window around the set's edge.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

vec3 shade(vec2 p) {
    int d = 2 + int(uP0.x * 5.0);
    bool conj = uP0.y > 0.5;
    float zoom = exp(mix(log(1.4), log(0.15), uP0.z));
    // Centre on the edge of the main component: its fixed point z* satisfies |d z*^(d-1)| = 1,
    // so z* = (e^{it} / d)^(1/(d-1)) and c = z* - z*^d.
    float fd = float(d);
    float ang = uP3.x * TAU / (fd - 1.0);
    vec2 zs = pow(1.0 / fd, 1.0 / (fd - 1.0)) * vec2(cos(ang), sin(ang));
    vec2 zsd = zs;
    for (int k = 1; k < 6; k++) {
        if (k >= d) break;
        zsd = cmul(zsd, zs);
    }
    vec2 center = (zs - zsd) * mix(0.9, 1.1, uP3.y) * step(0.25, uP0.z);
    vec2 c = center + rot2(uP0.w * TAU) * p * zoom;
    vec2 z = vec2(0.0);
    float n = 0.0, m2 = 0.0;
    bool escaped = false;
    for (int i = 0; i < 64; i++) {
        vec2 w = conj ? vec2(z.x, -z.y) : z;
        vec2 zp = w;
        for (int k = 1; k < 6; k++) {
            if (k >= d) break;
            zp = cmul(zp, w);
        }
        z = zp + c;
        m2 = dot(z, z);
        if (m2 > 256.0) { escaped = true; break; }
        n += 1.0;
    }
    if (!escaped) return ppalette(uP3.w, uP2, uP1) * mix(0.05, 0.6, uP3.w);
    float sn = n - log(log(m2) / log(256.0)) / log(float(d));
    vec3 col = ppalette(log(1.0 + sn) * mix(0.4, 1.6, uP3.z), uP1, uP2);
    return col * (1.0 - exp(-sn * 0.3));
}
