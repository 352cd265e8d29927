// name: organic_cracked_mud
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x plate scale, uP0.y crack width, uP0.z crack wobble, uP0.w seed, uP1+uP2 palette, uP3.x curled-edge highlight, uP3.y second crack generation, uP3.z surface grain, uP3.w wet/dry tone

// distance to the borders of a Voronoi partition, and the id of the cell
vec3 borders(vec2 x) {
    vec2 n = floor(x), f = fract(x);
    vec2 mr = vec2(0.0), mg = vec2(0.0); float md = 9.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(float(i), float(j));
        vec2 r = g + hash22(n + g) - f;
        float d = dot(r, r);
        if (d < md) { md = d; mr = r; mg = g; }
    }
    md = 9.0;
    for (int j = -2; j <= 2; j++)
    for (int i = -2; i <= 2; i++) {
        vec2 g = mg + vec2(float(i), float(j));
        vec2 r = g + hash22(n + g) - f;
        if (dot(mr - r, mr - r) > 1e-5) md = min(md, dot(0.5 * (mr + r), normalize(r - mr)));
    }
    return vec3(md, n + mg);
}

vec3 shade(vec2 p) {
    float sc = mix(1.3, 3.5, uP0.x);
    vec2 x = p * sc + uP0.w * 20.0;
    x += mix(0.0, 0.25, uP0.z) * (vec2(gnoise(x * 3.0), gnoise(x * 3.0 + 9.0)) - 0.5);
    vec3 b = borders(x);
    float cw = mix(0.03, 0.12, uP0.y);
    float crack = smoothstep(cw, cw * 0.4, b.x);
    float crack2 = 0.0;
    if (uP3.y > 0.4) {
        vec3 b2 = borders(x * 2.3 + 5.0);
        crack2 = smoothstep(cw * 0.9, cw * 0.3, b2.x * 2.3) * smoothstep(cw, cw * 3.0, b.x);
    }
    float h = hash12(b.yz);
    vec3 mud = ppalette(0.1 + 0.1 * h, uP1, uP2) * mix(0.45, 0.95, uP3.w);
    mud *= 0.85 + 0.3 * (fbm(x * 4.0, 3) - 0.5) * uP3.z * 2.0;
    mud += uP3.x * 0.25 * smoothstep(cw * 3.0, cw, b.x);
    vec3 gap = ppalette(0.8, uP2, uP1) * 0.15;
    return mix(mix(mud, gap, crack2 * 0.8), gap, crack);
}
