// name: flow_vortex_lic
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x vortex count, uP0.y background drift, uP0.z source/sink share, uP0.w layout seed, uP1+uP2 palette, uP3.x streak length, uP3.y grain, uP3.z colour by speed vs by nearest vortex, uP3.w dark/light

vec2 vel(vec2 p, int n) {
    float ang = uP0.w * TAU;
    vec2 v = vec2(cos(ang), sin(ang)) * uP0.y * 1.5;
    for (int i = 0; i < 6; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 5.3, uP0.w * 71.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.2, 0.85);
        vec2 d = p - c;
        float r2 = dot(d, d) + 0.01;
        float s = h.z < 0.5 ? -1.0 : 1.0;
        // rotational part (vortex) plus an optional radial part (source or sink)
        float rot = step(uP0.z * 0.7, fract(h.z * 7.0));
        v += s * (rot * vec2(-d.y, d.x) + (1.0 - rot) * d) / r2 * 0.3;
    }
    return v;
}

vec3 shade(vec2 p) {
    int n = 1 + int(uP0.x * 5.0);
    float len = mix(0.08, 0.35, uP3.x);
    float grain = mix(20.0, 55.0, uP3.y);
    float h = len / 10.0;
    float acc = vnoise(p * grain), ws = 1.0;
    vec2 qf = p, qb = p;
    for (int k = 1; k <= 10; k++) {
        float w = 1.0 - float(k) / 11.0;
        qf += normalize(vel(qf, n) + 1e-5) * h;
        qb -= normalize(vel(qb, n) + 1e-5) * h;
        acc += w * (vnoise(qf * grain) + vnoise(qb * grain));
        ws += 2.0 * w;
    }
    float v = clamp(0.5 + (acc / ws - 0.5) * 4.5, 0.0, 1.0);
    float sp = length(vel(p, n));
    vec3 c = uP3.z < 0.5 ? ppalette(log(sp + 0.1) * 0.35, uP1, uP2) : ppalette(atan(vel(p, n).y, vel(p, n).x) / TAU, uP1, uP2);
    return uP3.w < 0.5 ? c * (0.15 + 0.85 * v) : mix(vec3(0.96), c * 0.7, v);
}
