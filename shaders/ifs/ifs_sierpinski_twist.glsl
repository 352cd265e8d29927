// name: ifs_sierpinski_twist
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z twist per level, uP0.w rotation, uP1+uP2 palette, uP3.x depth 4..8, uP3.y zoom, uP3.z glow falloff, uP3.w colour by address or by depth

// Sierpinski triangle by inverse iteration: the point is pushed away from its nearest corner
// (doubling), optionally twisted each level, and its base-3 address colours the cell.
float sdEquilateral(vec2 p) {
    float a = dot(p, vec2(0.0, -1.0));
    float b = dot(p, vec2(0.8660254, 0.5));
    float c = dot(p, vec2(-0.8660254, 0.5));
    return max(a, max(b, c)) - 0.5;
}

vec3 shade(vec2 p) {
    p = rot2(uP0.w * TAU) * p * mix(0.7, 1.2, uP3.y) + (uP0.xy - 0.5) * 0.3;
    const vec2 A = vec2(0.0, 1.0), B = vec2(-0.8660254, -0.5), C = vec2(0.8660254, -0.5);
    int depth = 4 + int(uP3.x * 5.0);
    float twist = (uP0.z - 0.5) * 0.8;
    float sc = 1.0, addr = 0.0, w = 1.0 / 3.0;
    for (int i = 0; i < 8; i++) {
        if (i >= depth) break;
        float da = dot(p - A, p - A), db = dot(p - B, p - B), dc = dot(p - C, p - C);
        vec2 v = A;
        float k = 0.0;
        if (db < da && db < dc) { v = B; k = 1.0; }
        else if (dc < da) { v = C; k = 2.0; }
        p = rot2(twist) * (v + (p - v) * 2.0);
        sc *= 2.0;
        addr += k * w;
        w /= 3.0;
    }
    float d = sdEquilateral(p) / sc;
    vec3 bg = ppalette(0.9, uP2, uP1) * 0.15;
    float key = uP3.w > 0.5 ? addr : length(p) * 0.2 + addr * 0.3;
    vec3 fill = ppalette(key * 1.5, uP1, uP2);
    float glow = exp(-max(d, 0.0) * mix(20.0, 120.0, uP3.z));
    vec3 col = mix(bg + fill * glow * 0.5, fill, smoothstep(0.004, -0.004, d));
    return clamp(col, 0.0, 1.0);
}
