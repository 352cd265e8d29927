// name: cellular_voronoi_tiles
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x grout width, uP3.y bevel depth, uP3.z colour variety, uP3.w grout brightness

// Exact distance to the Voronoi borders (two passes: nearest seed, then the closest bisector),
// drawn as bevelled tiles with grout lines of controlled width.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.5, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 30.0;
    vec2 c = floor(q), f = fract(q);
    vec2 mg = vec2(0.0), mr = vec2(0.0);
    float md = 9.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 o = hash22(c + g);
        vec2 r = g + o - f;
        float d = dot(r, r);
        if (d < md) { md = d; mr = r; mg = g; }
    }
    float bd = 9.0;
    for (int j = -2; j <= 2; j++)
    for (int i = -2; i <= 2; i++) {
        vec2 g = mg + vec2(i, j);
        vec2 o = hash22(c + g);
        vec2 r = g + o - f;
        if (dot(mr - r, mr - r) > 1e-5)
            bd = min(bd, dot(0.5 * (mr + r), normalize(r - mr)));
    }
    float id = hash12(c + mg);
    float w = mix(0.02, 0.12, uP3.x);
    float tile = smoothstep(w, w + 0.02, bd);
    float bevel = smoothstep(w, w + mix(0.05, 0.3, uP3.y), bd);
    vec3 tc = ppalette(id * mix(0.15, 1.0, uP3.z), uP1, uP2);
    tc *= mix(0.55, 1.0, bevel) * (0.9 + 0.2 * dot(normalize(mr + 1e-4), vec2(0.6, 0.8)));
    vec3 grout = vec3(mix(0.05, 0.85, uP3.w));
    return clamp(mix(grout, tc, tile), 0.0, 1.0);
}
