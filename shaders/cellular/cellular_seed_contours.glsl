// name: cellular_seed_contours
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w warp, uP1+uP2 palette, uP3.x ring spacing, uP3.y ring width, uP3.z rotation, uP3.w light or dark ground

// Iso-lines of the F1 distance around each seed: every cell fills with concentric rings
// that meet their neighbours' rings at the borders, like tree stumps or ripples in sand.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.0, uP0.z);
    vec2 q = rot2(uP3.z * TAU) * p * sc + uP0.xy * 30.0;
    q += mix(0.0, 0.8, uP0.w) * (vec2(fbm(q, 3), fbm(q + 4.7, 3)) - 0.45);
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0;
    float id = 0.0;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 o = hash22(c + g);
        float d = length(g + o - f);
        if (d < d1) { d1 = d; id = hash12(c + g + 3.0); }
    }
    float k = mix(2.5, 7.0, uP3.x);
    float ph = d1 * k + id * TAU - uTime * 0.5;
    float line = smoothstep(mix(0.7, 0.2, uP3.y), 1.0, 0.5 + 0.5 * cos(ph));
    vec3 ground = uP3.w > 0.5 ? mix(vec3(0.9), ppalette(id, uP1, uP2), 0.3) : ppalette(id, uP1, uP2) * 0.15;
    vec3 ink = uP3.w > 0.5 ? ppalette(d1, uP2, uP1) * 0.4 : ppalette(d1 + 0.3, uP1, uP2);
    return clamp(mix(ground, ink, line), 0.0, 1.0);
}
