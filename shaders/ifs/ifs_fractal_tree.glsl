// name: ifs_fractal_tree
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x branch angle, uP0.y length ratio, uP0.z asymmetry, uP0.w lean, uP1+uP2 palette, uP3.x depth 6..10, uP3.y trunk width, uP3.z sky colour, uP3.w leaf glow

// A binary tree by folding: after each branch the point is mirrored into one child's frame
// (|x|, rotate, rescale), so one path through the loop draws all 2^depth branches.
vec3 shade(vec2 p) {
    p = rot2((uP0.w - 0.5) * 0.5) * p;
    vec2 q = (p - vec2(0.0, -0.95)) * 2.2;
    float ang = mix(0.25, 0.9, uP0.x);
    float ratio = mix(0.6, 0.78, uP0.y);
    float asym = (uP0.z - 0.5) * 0.5;
    int depth = 6 + int(uP3.x * 5.0);
    float w0 = mix(0.05, 0.14, uP3.y);
    float sc = 1.0;
    float d = sdSegment(q, vec2(0.0), vec2(0.0, 1.0)) - w0;
    float lev = 0.0;
    for (int i = 0; i < 10; i++) {
        if (i >= depth) break;
        q.y -= 1.0;
        q = rot2(asym) * q;
        q.x = abs(q.x);
        q = rot2(ang) * q;
        q /= ratio;
        sc *= ratio;
        float di = (sdSegment(q, vec2(0.0), vec2(0.0, 1.0)) - w0 * pow(0.8, float(i + 1))) * sc;
        if (di < d) { d = di; lev = float(i + 1); }
    }
    float t = lev / float(depth);
    vec3 sky = mix(ppalette(uP3.z, uP2, uP1), vec3(0.9), 0.3) * (0.5 + 0.5 * p.y * 0.5 + 0.25);
    vec3 bark = ppalette(0.05, uP1, uP2) * 0.35;
    vec3 leaf = ppalette(0.5 + 0.4 * t, uP1, uP2);
    vec3 wood = mix(bark, leaf, smoothstep(0.4, 1.0, t));
    float fill = smoothstep(0.01, 0.0, d);
    vec3 col = mix(sky, wood, fill);
    col += leaf * exp(-max(d, 0.0) * 25.0) * mix(0.0, 0.6, uP3.w) * t;
    return clamp(col, 0.0, 1.0);
}
