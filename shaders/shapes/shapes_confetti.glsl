// name: shapes_confetti
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x density, uP0.y piece size, uP0.z shape mix (strips/discs/triangles), uP0.w seed, uP1+uP2 palette, uP3.x background dark/light, uP3.y piece aspect, uP3.z fill probability, uP3.w rotation freedom

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float sc = mix(2.5, 7.0, uP0.x);
    vec2 x = p * sc;
    vec2 n = floor(x);
    vec3 col = mix(vec3(0.04), vec3(0.96), uP3.x) * mix(vec3(1.0), ppalette(0.1, uP2, uP1), 0.3);
    float fw = px * sc;
    // pieces can straddle cell borders: look at the 3x3 neighbourhood, draw in hash order
    float bestH = -1.0; vec3 bestC = col;
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = n + vec2(float(i), float(j));
        vec3 h = hash32(g + uP0.w * 41.0);
        if (h.z > mix(0.5, 1.0, uP3.z)) continue;
        vec2 c = g + 0.5 + (h.xy - 0.5) * 0.8;
        float ang = uP3.w * h.x * TAU + (1.0 - uP3.w) * uP0.w * TAU;
        vec2 q = rot2(ang) * (x - c);
        float s = mix(0.4, 0.85, uP0.y) * mix(0.7, 1.2, h.y);
        float type = fract(h.x * 7.0 + uP0.z);
        float d;
        if (type < 0.4) d = sdBox(q, s * vec2(mix(0.4, 1.0, uP3.y), mix(0.15, 0.4, uP3.y)));
        else if (type < 0.7) d = length(q) - s * 0.5;
        else d = max(abs(q.x) * 0.866 + q.y * 0.5, -q.y) - s * 0.3;
        float cov = smoothstep(fw, -fw, d);
        if (cov > 0.0 && h.z > bestH) {
            bestH = h.z;
            bestC = mix(bestC, ppalette(h.y * 3.0, uP1, uP2), cov);
        }
    }
    return bestC;
}
