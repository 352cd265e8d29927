// name: organic_veins
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x vein scale, uP0.y vein width, uP0.z warp, uP0.w seed, uP1+uP2 palette, uP3.x veins dark vs light, uP3.y number of vein orders, uP3.z translucence gradient, uP3.w direction

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.w * TAU) * p;
    float sc = mix(1.2, 4.0, uP0.x);
    vec2 q = p * sc + uP0.w * 13.0;
    q += mix(0.0, 1.0, uP0.z) * (vec2(fbm(q * 0.6, 3), fbm(q * 0.6 + 4.0, 3)) - 0.5);
    int orders = 1 + int(uP3.y * 3.0);
    float vein = 0.0;
    float w = mix(0.015, 0.05, uP0.y);
    float fq = 1.0;
    for (int i = 0; i < 4; i++) {
        if (i >= orders) break;
        // zero crossings of a noise field form a connected network of lines
        float n = gnoise(q * fq + float(i) * 7.1) - 0.5;
        float g = fwidth(n) + 1e-4;
        float line = smoothstep(w + g, max(w - g, 0.0), abs(n));
        vein = max(vein, line * (1.0 - 0.22 * float(i)));
        fq *= 2.1;
        w *= 0.7;
    }
    vec3 tissue = mix(ppalette(0.2, uP1, uP2), ppalette(0.45, uP1, uP2), uP3.z * (0.5 + 0.5 * p.y));
    tissue *= 0.85 + 0.15 * vnoise(q * 6.0);
    vec3 vc = uP3.x > 0.5 ? ppalette(0.8, uP2, uP1) * 0.25 : mix(tissue, vec3(1.0), 0.6);
    return mix(tissue, vc, vein);
}
