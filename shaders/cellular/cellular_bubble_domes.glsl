// name: cellular_bubble_domes
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w light azimuth, uP1+uP2 palette, uP3.x dome radius, uP3.y specular sharpness, uP3.z colour per cell or per height, uP3.w background darkness

// Each Voronoi cell carries a dome (a sphere cap over its seed) shaded with a diffuse and a
// specular light: packed pearls, bubbles or beads depending on radius and palette.
vec3 shade(vec2 p) {
    float sc = mix(1.2, 3.5, uP0.z);
    vec2 q = p * sc + uP0.xy * 40.0;
    vec2 c = floor(q), f = fract(q);
    float md = 9.0;
    vec2 mr = vec2(0.0);
    vec2 mid = vec2(0.0);
    float rad = 0.0;
    float best = -1.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec3 h = hash32(c + g);
        vec2 r = g + 0.2 + 0.6 * h.xy - f;
        float R = mix(0.35, 0.75, uP3.x) * (0.7 + 0.3 * h.z);
        float z = R * R - dot(r, r);
        if (z > best) { best = z; mr = r; mid = c + g; rad = R; }
    }
    vec3 bg = ppalette(0.9, uP2, uP1) * mix(0.02, 0.4, uP3.w);
    if (best <= 0.0) return bg;
    float hgt = sqrt(best);
    vec3 n = normalize(vec3(-mr, hgt));
    vec3 l = normalize(vec3(cos(uP0.w * TAU), sin(uP0.w * TAU), 1.0));
    float dif = max(dot(n, l), 0.0);
    float spe = pow(max(dot(reflect(-l, n), vec3(0.0, 0.0, 1.0)), 0.0), mix(8.0, 80.0, uP3.y));
    vec3 base = ppalette(uP3.z > 0.5 ? hash12(mid) : hgt / rad, uP1, uP2);
    vec3 col = base * (0.15 + 0.85 * dif) + spe * 0.7;
    float ao = smoothstep(0.0, 0.1, hgt);
    return clamp(mix(bg, col, ao), 0.0, 1.0);
}
