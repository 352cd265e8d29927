// name: organic_cells
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x cell scale, uP0.y membrane thickness, uP0.z nucleus size, uP0.w seed, uP1+uP2 stain palette, uP3.x bright-field vs fluorescence, uP3.y cell irregularity, uP3.z granularity, uP3.w squash

vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.5, uP0.x);
    vec2 x = p * sc * vec2(1.0, mix(1.0, 1.7, uP3.w)) + uP0.w * 30.0;
    x += mix(0.0, 0.5, uP3.y) * (vec2(gnoise(x * 0.9), gnoise(x * 0.9 + 3.3)) - 0.5);
    vec2 n = floor(x), f = fract(x);
    float f1 = 9.0, f2 = 9.0; vec2 bid = vec2(0.0), br = vec2(0.0);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(float(i), float(j));
        vec2 r = g + hash22(n + g) - f;
        float d = dot(r, r);
        if (d < f1) { f2 = f1; f1 = d; bid = n + g; br = r; }
        else if (d < f2) f2 = d;
    }
    float edge = sqrt(f2) - sqrt(f1);
    float h = hash12(bid);
    float mw = mix(0.04, 0.16, uP0.y);
    float membrane = smoothstep(mw, mw * 0.3, edge);
    vec2 nc = br + (hash22(bid + 7.0) - 0.5) * 0.2;
    float nuc = smoothstep(0.02, -0.02, length(nc) - mix(0.1, 0.3, uP0.z) * mix(0.8, 1.2, h));
    float gran = vnoise(x * 9.0) * uP3.z;
    bool fluo = uP3.x < 0.5;
    vec3 cyto = ppalette(0.2 + h * 0.15, uP1, uP2);
    vec3 nucc = ppalette(0.65, uP1, uP2);
    vec3 memc = ppalette(0.9, uP2, uP1);
    vec3 col;
    if (fluo) {
        col = cyto * (0.08 + 0.2 * gran) + memc * membrane * 0.9 + nucc * nuc * (0.7 + 0.3 * gran);
    } else {
        col = mix(vec3(0.95, 0.93, 0.9), cyto * 0.6 + 0.4, 0.7 + 0.3 * smoothstep(0.0, 0.5, edge) - 0.25 * gran);
        col = mix(col, memc * 0.5, membrane * 0.8);
        col = mix(col, nucc * 0.45, nuc);
    }
    return clamp(col, 0.0, 1.0);
}
