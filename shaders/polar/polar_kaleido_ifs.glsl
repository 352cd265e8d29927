// name: polar_kaleido_ifs
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x symmetry order, uP0.y fold iterations, uP0.z fold offset, uP0.w fold angle, uP1+uP2 palette, uP3.x zoom, uP3.y trap shape, uP3.z glow vs bands, uP3.w scale per fold

vec3 shade(vec2 p) {
    float N = floor(mix(3.0, 13.0, uP0.x));
    p *= mix(0.7, 1.8, uP3.x);
    float r = length(p), a = atan(p.y, p.x);
    float w = TAU / N;
    a = abs(mod(a + w * 0.5, w) - w * 0.5);
    vec2 q = r * vec2(cos(a), sin(a));
    int it = 2 + int(uP0.y * 5.0);
    vec2 off = vec2(mix(0.2, 0.9, uP0.z), mix(0.1, 0.7, fract(uP0.z * 7.0)));
    mat2 R = rot2(uP0.w * TAU + uTime * 0.02);
    float sc = mix(1.2, 1.8, uP3.w);
    float trap = 1e9, tid = 0.0;
    float k = 1.0;
    for (int i = 0; i < 7; i++) {
        if (i >= it) break;
        q = abs(q) - off;
        q = R * q * sc;
        k *= sc;
        float d = uP3.y < 0.5 ? abs(length(q) - 0.5) : abs(q.y) + 0.1 * abs(q.x);
        d /= k;
        if (d < trap) { trap = d; tid = float(i); }
    }
    float v = uP3.z < 0.5 ? exp(-trap * 40.0) : 0.5 + 0.5 * cos(trap * 80.0);
    vec3 c = ppalette(tid / 7.0 + trap * 3.0, uP1, uP2);
    return mix(ppalette(0.8, uP2, uP1) * 0.2, c, clamp(v, 0.0, 1.0));
}
