// name: tiling_hex_cubes
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x style (flat hexes or isometric cubes), uP3.y border width, uP3.z colour variety, uP3.w light direction

// A hexagonal grid: either flat hexes with per-cell colours and borders, or each hex split
// into three rhombi shaded as the visible faces of a cube (the rhombille tiling).
vec4 hexCell(vec2 p) {
    const vec2 s = vec2(1.0, 1.7320508);
    vec4 hc = floor(vec4(p, p - vec2(0.5, 0.8660254)) / s.xyxy) + 0.5;
    vec4 h = vec4(p - hc.xy * s, p - (hc.zw + 0.5) * s);
    return dot(h.xy, h.xy) < dot(h.zw, h.zw) ? vec4(h.xy, hc.xy) : vec4(h.zw, hc.zw + 0.5);
}

vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.5, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec4 h = hexCell(q);
    vec2 l = h.xy;
    float edge = 0.5 - max(abs(l.x), dot(abs(l), vec2(0.5, 0.8660254)));
    float id = hash12(h.zw * 1.3 + 7.0);
    vec3 base = ppalette(id * mix(0.1, 1.0, uP3.z), uP1, uP2);
    vec3 col;
    if (uP3.x < 0.5) {
        col = base;
    } else {
        // Three rhombi meet at the centre, split along the directions 90, 210 and 330 degrees.
        float a = mod(atan(l.y, l.x) - PI / 6.0 + TAU, TAU);
        float face = floor(a / (TAU / 3.0));
        float shadeF = face < 0.5 ? 1.0 : face < 1.5 ? 0.65 : 0.35;
        shadeF = mix(shadeF, 1.35 - shadeF, step(0.5, uP3.w));
        col = base * shadeF;
    }
    float w = mix(0.01, 0.1, uP3.y);
    return clamp(col * smoothstep(0.0, w, edge), 0.0, 1.0);
}
