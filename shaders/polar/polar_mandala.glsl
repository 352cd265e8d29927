// name: polar_mandala
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x symmetry order, uP0.y ring count, uP0.z motif seed, uP0.w motif size, uP1+uP2 palette, uP3.x outline weight, uP3.y rotation, uP3.z background dark/light, uP3.w ring band contrast

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.y * TAU) * p;
    float N = floor(mix(5.0, 20.0, uP0.x));
    float r = length(p), a = atan(p.y, p.x);
    float w = TAU / N;
    a = abs(mod(a + w * 0.5, w) - w * 0.5);
    vec2 q = r * vec2(cos(a), sin(a));
    int rings = 3 + int(uP0.y * 4.0);
    vec3 bg = mix(vec3(0.04, 0.03, 0.06), vec3(0.96, 0.93, 0.86), uP3.z);
    float bands = step(0.5, fract(r * float(rings) * 0.9));
    vec3 col = mix(bg, mix(bg, ppalette(r, uP2, uP1), 0.4), bands * uP3.w);
    float ow = mix(0.004, 0.016, uP3.x);
    vec3 ink = mix(vec3(0.95), vec3(0.05), uP3.z);
    for (int i = 0; i < 7; i++) {
        if (i >= rings) break;
        float fi = float(i);
        float R = (fi + 0.6) / float(rings) * 0.95;
        float sz = mix(0.25, 0.55, uP0.w) / float(rings) * mix(0.7, 1.3, hash11(fi + uP0.z * 17.0));
        float type = floor(hash11(fi * 3.3 + uP0.z * 41.0) * 5.0);
        vec2 cq = q - vec2(R, 0.0);
        float d;
        if (type < 1.0) d = length(cq) - sz;                                   // beads
        else if (type < 2.0) d = length(cq * vec2(0.55, 1.6)) - sz * 0.9;       // petals along the ring
        else if (type < 3.0) d = abs(cq.x) + abs(cq.y) * 1.4 - sz;              // diamonds
        else if (type < 4.0) d = abs(r - R) - sz * 0.35;                        // plain band
        else d = max(abs(cq.x) - sz * 1.4, abs(length(q - vec2(R - sz * 1.5, 0.0)) - sz * 1.6) - sz * 0.25); // arcs
        vec3 c = ppalette(fi / float(rings) + 0.13 * type, uP1, uP2);
        col = mix(col, ink, smoothstep(ow + px, ow - px, abs(d)));
        col = mix(col, c, smoothstep(px, -px, d + ow));
        // small dot inside every motif
        col = mix(col, ink, smoothstep(px, -px, length(cq) - sz * 0.2) * step(type, 2.5));
    }
    col = mix(col, ppalette(0.0, uP1, uP2), smoothstep(0.06 + px, 0.06 - px, r));
    return col;
}
