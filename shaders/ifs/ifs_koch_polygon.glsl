// name: ifs_koch_polygon
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x number of sides 3..6, uP0.y spike angle (Koch 60 degrees to Cesaro-like 80), uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x depth, uP3.y outline width, uP3.z inside colouring, uP3.w outside brightness

// Koch curves on the sides of a regular polygon, drawn by folding: a polar fold picks the side,
// then each level mirrors the rising piece onto the flat one and rescales it to the whole side.
vec3 shade(vec2 p) {
    int n = 3 + int(uP0.x * 4.0);
    float th = mix(PI / 3.0, 1.4, uP0.y);
    float L = 1.0 / (1.0 + cos(th));
    p = rot2(uP0.w * TAU) * p * mix(0.75, 1.3, uP0.z);
    float sector = TAU / float(n);
    float a = mod(atan(p.y, p.x) + 0.5 * sector, sector) - 0.5 * sector;
    p = length(p) * vec2(cos(a), sin(a));
    float apothem = 0.6;
    float halfSide = apothem * tan(PI / float(n));
    vec2 q = vec2(p.y, p.x - apothem) / halfSide;
    float ma = 0.5 * (PI - th);
    vec2 nrm = vec2(-sin(ma), cos(ma));
    vec2 Q = vec2(1.0 - L, 0.0);
    int depth = 2 + int(uP3.x * 4.0);
    float sc = 1.0, folds = 0.0;
    for (int i = 0; i < 6; i++) {
        if (i >= depth) break;
        q.x = abs(q.x);
        float t = dot(q - Q, nrm);
        if (t > 0.0) { q -= 2.0 * t * nrm; folds += 1.0; }
        q = (q - vec2(1.0 - 0.5 * L, 0.0)) * (2.0 / L);
        sc *= 2.0 / L;
    }
    float d = q.y / sc * halfSide;
    float w = mix(0.006, 0.025, uP3.y);
    vec3 inside = ppalette(uP3.z > 0.5 ? folds / float(depth) : length(p), uP1, uP2);
    vec3 outside = ppalette(0.6 + 0.3 * length(p), uP2, uP1) * mix(0.05, 0.7, uP3.w);
    vec3 col = d < 0.0 ? inside : outside;
    col = mix(col, vec3(1.0) - outside, 1.0 - smoothstep(0.0, w, abs(d)));
    return clamp(col, 0.0, 1.0);
}
