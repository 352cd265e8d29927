// name: ifs_piecewise_affine_trap
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x rotation of map A, uP0.y scale of maps, uP0.z shear, uP0.w rotation of map B, uP1+uP2 palette, uP3.xy translations, uP3.z iterations, uP3.w trap radius

// Two random expanding affine maps, chosen by the side of a line the point is on, applied
// repeatedly; the orbit's closest approach to a ring and to an axis colours the pixel.
vec3 shade(vec2 p) {
    float s = mix(1.1, 1.6, uP0.y);
    mat2 A = rot2(uP0.x * TAU) * mat2(s, 0.0, (uP0.z - 0.5) * 0.8, s);
    mat2 B = rot2(uP0.w * TAU) * mat2(s, (0.5 - uP0.z) * 0.8, 0.0, s * 0.9);
    vec2 ta = (uP3.xy - 0.5) * 1.5, tb = (uP3.yx - 0.5) * vec2(-1.5, 1.5);
    vec2 z = p * 1.2;
    int iters = 6 + int(uP3.z * 10.0);
    float R = mix(0.3, 1.2, uP3.w);
    float ring = 1e3, axis = 1e3, side = 0.0, esc = 0.0;
    for (int i = 0; i < 16; i++) {
        if (i >= iters) break;
        if (z.x + 0.3 * z.y > 0.0) { z = A * z - ta; side += 1.0; }
        else z = B * z + tb;
        z = abs(z) - vec2(0.5);
        ring = min(ring, abs(length(z) - R));
        axis = min(axis, abs(z.y));
        if (dot(z, z) > 400.0) break;
        esc += 1.0;
    }
    vec3 col = ppalette(side / float(iters) + ring, uP1, uP2) * exp(-3.0 * ring);
    col += ppalette(0.5 + esc * 0.05, uP2, uP1) * exp(-8.0 * axis) * 0.5;
    return clamp(col, 0.0, 1.0);
}
