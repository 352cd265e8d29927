// name: organic_lichen
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x colony scale, uP0.y coverage, uP0.z number of species, uP0.w seed, uP1+uP2 palette, uP3.x rim brightness, uP3.y fruiting-body dots, uP3.z rock tone, uP3.w lobe roughness

vec3 shade(vec2 p) {
    float sc = mix(1.0, 3.5, uP0.x);
    vec2 q = p * sc + uP0.w * 31.0;
    vec3 rock = vec3(mix(0.15, 0.75, uP3.z)) * (0.8 + 0.4 * fbm(q * 6.0, 3) - 0.2);
    rock *= mix(vec3(1.0), ppalette(0.9, uP2, uP1), 0.25);
    vec3 col = rock;
    int species = 1 + int(uP0.z * 3.0);
    for (int s = 0; s < 3; s++) {
        if (s >= species) break;
        float fs = float(s);
        vec2 qs = q * (1.0 + 0.35 * fs) + fs * 11.3;
        float oct = uP3.w > 0.5 ? 5.0 : 3.0;
        float v = fbm(qs, int(oct));
        float th = mix(0.58, 0.4, uP0.y) + fs * 0.04;
        float e = v - th;
        float fw = fwidth(e) + 1e-4;
        float m = smoothstep(-fw, fw, e);
        vec3 c = ppalette(0.15 + 0.3 * fs, uP1, uP2);
        c *= 0.75 + 0.5 * vnoise(qs * 12.0);
        // growth rim: brighter, thicker edge where the colony advances
        float rim = smoothstep(0.05, 0.0, e) * m;
        c = mix(c, c * 1.5 + 0.1, rim * uP3.x);
        col = mix(col, c, m);
        if (uP3.y > 0.4) {
            vec2 g = qs * 9.0;
            vec2 id = floor(g), f = fract(g) - 0.5;
            vec2 o = (hash22(id + fs) - 0.5) * 0.5;
            float dot_ = smoothstep(0.22, 0.15, length(f - o)) * step(0.6, hash12(id + 3.0 + fs)) * smoothstep(0.02, 0.08, e);
            col = mix(col, ppalette(0.7 + 0.1 * fs, uP2, uP1) * 0.6, dot_);
        }
    }
    return clamp(col, 0.0, 1.0);
}
