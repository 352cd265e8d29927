// name: flow_ink_warp
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x field frequency, uP0.y warp steps, uP0.z step size, uP0.w seed, uP1+uP2 palette, uP3.x colour key (displacement / final position), uP3.y band count, uP3.z dark ink on light paper, uP3.w frequency growth per step

vec3 shade(vec2 p) {
    float fq = mix(1.5, 4.0, uP0.x);
    int steps = 4 + int(uP0.y * 5.0);
    float sz = mix(0.15, 0.4, uP0.z) / sqrt(float(steps) * 0.25);
    vec2 q = p;
    float grow = mix(1.0, 1.15, uP3.w);
    for (int i = 0; i < 9; i++) {
        if (i >= steps) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 1.3, uP0.w * 77.0));
        // each step: move along a rotated sinusoidal shear, which is divergence-free
        float a = h.x * TAU;
        vec2 dir = vec2(cos(a), sin(a)), nrm = vec2(-dir.y, dir.x);
        q += dir * sz * sin(dot(q, nrm) * fq + h.y * TAU + uTime * 0.1);
        fq *= grow;
    }
    float key = uP3.x < 0.5 ? length(q - p) * 1.5 : dot(q, vec2(0.35, 0.25));
    float bands = floor(mix(1.0, 5.0, uP3.y));
    float t = key * bands;
    vec3 c = ppalette(t, uP1, uP2);
    float fine = 0.5 + 0.5 * sin(dot(q, vec2(1.0, 0.6)) * 14.0);
    if (uP3.z > 0.5) return mix(vec3(0.97, 0.96, 0.92), c * 0.6, smoothstep(0.3, 0.7, fine));
    return c * (0.7 + 0.3 * fine);
}
