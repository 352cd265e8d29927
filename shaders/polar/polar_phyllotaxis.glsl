// name: polar_phyllotaxis
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x seed spacing, uP0.y divergence angle detune, uP0.z dot size, uP0.w centre offset, uP1+uP2 palette, uP3.x colour by index vs spiral family, uP3.y background dark/light, uP3.z size growth with radius, uP3.w outline

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    vec2 q = p - (vec2(uP0.w, fract(uP0.w * 5.3)) - 0.5) * 0.6;
    float cs = mix(0.06, 0.15, uP0.x);
    // golden angle, sometimes detuned so that the pattern turns into rays or different spiral families
    float div = TAU * (0.381966 + (uP0.y < 0.5 ? 0.0 : (uP0.y - 0.75) * 0.02));
    float r = length(q);
    float n0 = floor((r / cs) * (r / cs));
    float best = 1e9, bn = 0.0;
    for (int k = -24; k <= 24; k++) {
        float n = n0 + float(k);
        if (n < 0.0) continue;
        float rr = cs * sqrt(n + 0.5);
        vec2 s = rr * vec2(cos(n * div), sin(n * div));
        float d = length(q - s);
        if (d < best) { best = d; bn = n; }
    }
    float size = cs * mix(0.35, 0.75, uP0.z) * mix(1.0, 0.6 + 0.25 * sqrt(bn + 1.0) / 4.0, uP3.z);
    float dd = best - size;
    vec3 bg = mix(vec3(0.03), vec3(0.93), uP3.y) * mix(vec3(1.0), ppalette(0.3, uP2, uP1), 0.4);
    float key = mix(bn / 400.0, mod(bn, 13.0) / 13.0 + mod(bn, 8.0) / 16.0, uP3.x);
    vec3 c = ppalette(key, uP1, uP2);
    vec3 col = mix(bg, c * (0.7 + 0.3 * smoothstep(size, 0.0, best)), smoothstep(px, -px, dd));
    if (uP3.w > 0.5) col = mix(col, bg * 0.3, smoothstep(px * 1.5, 0.0, abs(dd)));
    return col;
}
