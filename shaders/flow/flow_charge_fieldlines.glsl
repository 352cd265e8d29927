// name: flow_charge_fieldlines
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x charge count, uP0.y field lines per unit charge, uP0.z equipotential spacing, uP0.w layout seed, uP1+uP2 palette, uP3.x line width, uP3.y show equipotentials, uP3.z dark/light, uP3.w filled potential bands

vec3 shade(vec2 p) {
    int n = 2 + int(uP0.x * 4.0);
    float phi = 0.0, psi = 0.0;
    float qsum = 0.0;
    for (int i = 0; i < 6; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 3.9, uP0.w * 53.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.1, 0.8);
        // integer charges keep the stream function single valued modulo the line spacing
        float q = (h.z < 0.5 ? -1.0 : 1.0) * (1.0 + floor(fract(h.z * 13.0) * 2.0));
        if (i == 0) q = abs(q);
        if (i == 1) q = -abs(q);
        vec2 d = p - c;
        phi += q * log(length(d) + 1e-4);
        psi += q * atan(d.y, d.x);
        qsum += abs(q);
    }
    float M = floor(mix(4.0, 14.0, uP0.y));
    float uf = psi / TAU * M;
    float up = phi / mix(0.15, 0.6, uP0.z);
    float lw = mix(0.6, 1.8, uP3.x);
    float fwf = fwidth(uf) + 1e-5, fwp = fwidth(up) + 1e-5;
    float lf = 1.0 - smoothstep(0.0, lw * fwf, min(fract(uf), 1.0 - fract(uf)));
    float lp = 1.0 - smoothstep(0.0, lw * fwp, min(fract(up), 1.0 - fract(up)));
    lf *= 1.0 - smoothstep(0.2, 0.5, fwf);
    lp *= 1.0 - smoothstep(0.2, 0.5, fwp);
    bool dark = uP3.z < 0.5;
    vec3 bg = dark ? vec3(0.02, 0.02, 0.05) : vec3(0.96, 0.95, 0.92);
    if (uP3.w > 0.5) bg = mix(bg, ppalette(floor(up) * 0.08, uP1, uP2), 0.5);
    vec3 cf = ppalette(0.2 + 0.15 * tanh(phi * 0.3), uP1, uP2);
    vec3 cp = ppalette(0.7, uP2, uP1);
    vec3 col = mix(bg, cf * (dark ? 1.0 : 0.6), lf);
    if (uP3.y > 0.4) col = mix(col, cp * (dark ? 0.9 : 0.5), lp * 0.8);
    return col;
}
