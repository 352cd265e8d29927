// name: shapes_stars
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x star count, uP0.y star size, uP0.z point count, uP0.w layout seed, uP1+uP2 palette, uP3.x inner radius ratio, uP3.y background dark/light, uP3.z outline, uP3.w point count variation

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    int n = 3 + int(uP0.x * 13.0);
    vec3 bg = mix(vec3(0.03, 0.03, 0.08), vec3(0.95), step(0.5, uP3.y)) * mix(vec3(1.0), ppalette(0.7, uP2, uP1), 0.35);
    vec3 col = bg;
    for (int i = 0; i < 16; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 3.7, uP0.w * 19.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.35, 0.95);
        float R = mix(0.15, 0.65, uP0.y) * mix(0.6, 1.2, h.z);
        float k = floor(mix(4.0, 8.99, fract(uP0.z + uP3.w * hash11(fi + uP0.w))));
        float inner = mix(0.3, 0.75, uP3.x);
        vec2 q = rot2(h.z * TAU) * (p - c);
        float a = atan(q.y, q.x), r = length(q);
        float seg = TAU / k;
        float t = abs(mod(a, seg) - seg * 0.5) / (seg * 0.5);  // 0 at a point, 1 between points
        // star boundary: straight edges between tip (R) and valley (R*inner), in polar form
        vec2 tip = vec2(R, 0.0);
        vec2 val = inner * R * vec2(cos(seg * 0.5), sin(seg * 0.5));
        vec2 qq = r * vec2(cos((1.0 - t) * seg * 0.5 * 0.0 + t * seg * 0.5), sin(t * seg * 0.5));
        vec2 e = val - tip;
        float d = (e.x * (qq.y - tip.y) - e.y * (qq.x - tip.x)) / length(e);
        d = -d;
        vec3 ci = ppalette(hash11(fi * 2.3 + uP0.w), uP1, uP2);
        if (uP3.z > 0.5) col = mix(col, vec3(0.02), smoothstep(px, -px, d - 0.015));
        col = mix(col, ci, smoothstep(px, -px, d));
    }
    return col;
}
