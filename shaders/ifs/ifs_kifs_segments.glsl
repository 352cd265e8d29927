// name: ifs_kifs_segments
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x fold angle, uP0.y scale per level, uP0.z offset, uP0.w rotation, uP1+uP2 palette, uP3.x depth, uP3.y line width, uP3.z segment length, uP3.w background

// A kaleidoscopic IFS drawn as line art: fold by |x|, |y|, rotate, scale and shift each level,
// and keep the distance to a short segment drawn in every copy, scaled back to the screen.
// Shifting by off * (s - 1) keeps the fixed point at off, so the figure stays about unit size.
vec3 shade(vec2 p) {
    p = rot2(uP0.w * TAU) * p * 0.6;
    mat2 m = rot2(mix(-0.8, 0.8, uP0.x));
    float s = mix(1.6, 2.4, uP0.y);
    vec2 off = vec2(mix(0.4, 0.9, uP0.z), mix(0.0, 0.5, fract(uP0.z * 7.0)));
    int depth = 3 + int(uP3.x * 6.0);
    float segL = mix(0.2, 0.8, uP3.z);
    float sc = 1.0, d = 1e3, lev = 0.0;
    for (int i = 0; i < 9; i++) {
        if (i >= depth) break;
        p = abs(p);
        if (p.x < p.y) p = p.yx;
        p = m * p;
        p = p * s - off * (s - 1.0);
        sc *= s;
        float di = sdSegment(p, vec2(0.0), vec2(segL, 0.0)) / sc;
        if (di < d) { d = di; lev = float(i); }
    }
    float w = mix(0.008, 0.03, uP3.y);
    float line = 1.0 - smoothstep(w, w * 2.0, d);
    float glow = exp(-d * 25.0);
    vec3 bg = ppalette(0.2, uP2, uP1) * mix(0.02, 0.5, uP3.w);
    vec3 ink = ppalette(lev / float(depth), uP1, uP2);
    return clamp(bg + ink * (line + 0.4 * glow), 0.0, 1.0);
}
