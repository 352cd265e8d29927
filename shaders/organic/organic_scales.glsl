// name: organic_scales
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x scale size, uP0.y overlap, uP0.z elongation, uP0.w seed, uP1+uP2 palette, uP3.x rim darkness, uP3.y colour variation between scales, uP3.z rotation, uP3.w iridescence

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.z * TAU) * p;
    float sc = mix(3.0, 10.0, uP0.x);
    vec2 x = p * sc * vec2(1.0, mix(1.0, 0.6, uP0.z));
    float R = mix(0.6, 0.95, uP0.y);
    float best = -1e9; vec2 bid = vec2(0.0); vec2 brel = vec2(0.0);
    float row0 = floor(x.y);
    // scales hang on a staggered lattice; a higher row covers the one below it
    for (int j = -1; j <= 1; j++) {
        float row = row0 + float(j);
        float sh = mod(row, 2.0) * 0.5;
        float col0 = floor(x.x - sh);
        for (int i = -1; i <= 1; i++) {
            vec2 c = vec2(col0 + float(i) + 0.5 + sh, row + 0.5);
            vec2 rel = x - c;
            if (length(rel) < R && rel.y < 0.3 && row >= best) { best = row; bid = c; brel = rel; }
        }
    }
    float h = hash12(bid + uP0.w * 9.0);
    vec3 base = ppalette(0.2 + h * mix(0.0, 0.4, uP3.y), uP1, uP2);
    float d = length(brel) / R;
    vec3 col = base * (0.55 + 0.45 * smoothstep(1.0, 0.2, d));
    col += uP3.w * 0.3 * ppalette(atan(brel.y, brel.x) / PI + d, uP2, uP1) * (1.0 - d);
    float rim = smoothstep(0.82, 1.0, d);
    col = mix(col, col * 0.2, rim * mix(0.3, 1.0, uP3.x));
    if (best < -1e8) col = base * 0.2;
    return clamp(col, 0.0, 1.0);
}
