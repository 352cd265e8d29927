// name: ifs_inverse_attractor
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.xyz map rotations, uP0.w map scales, uP1+uP2 palette, uP3.xy translation pattern, uP3.z zoom, uP3.w rendering (solid attractor or escape bands)

// The attractor of three random contractions f_i(x) = s_i R_i x + b_i, found backwards: each
// step applies the inverse map that keeps the point closest to the attractor's centre; points
// that stay bounded lie on (or near) the attractor, the others are banded by escape time.
vec3 shade(vec2 p) {
    vec3 ang = (uP0.xyz - 0.5) * vec3(2.5, 2.5, 3.0);
    vec3 s = mix(vec3(0.45), vec3(0.7), fract(uP0.w * vec3(1.0, 3.7, 7.3)));
    vec2 b0 = vec2(0.0, 0.5);
    vec2 b1 = 0.5 * vec2(cos(uP3.x * TAU), sin(uP3.x * TAU));
    vec2 b2 = 0.5 * vec2(cos(uP3.y * TAU + 2.0), sin(uP3.y * TAU + 2.0));
    vec2 centre = (b0 + b1 + b2) / 3.0;
    vec2 z = p * mix(0.8, 1.5, uP3.z) + centre;
    float esc = 0.0, addr = 0.0, w = 1.0;
    bool inside = true;
    for (int i = 0; i < 14; i++) {
        vec2 z0 = rot2(-ang.x) * (z - b0) / s.x;
        vec2 z1 = rot2(-ang.y) * (z - b1) / s.y;
        vec2 z2 = rot2(-ang.z) * (z - b2) / s.z;
        float d0 = length(z0 - centre), d1 = length(z1 - centre), d2 = length(z2 - centre);
        float k = 0.0;
        z = z0;
        if (d1 < d0 && d1 < d2) { z = z1; k = 1.0; }
        else if (d2 < d0) { z = z2; k = 2.0; }
        addr += k * w;
        w /= 3.0;
        if (length(z - centre) > 2.5) { inside = false; break; }
        esc += 1.0;
    }
    vec3 col;
    if (inside) col = ppalette(addr * 1.3, uP1, uP2);
    else col = ppalette(0.6 + esc * 0.05, uP2, uP1) * (uP3.w > 0.5 ? 0.5 + 0.5 * cos(esc * 1.7) : esc / 14.0) * 0.6;
    return clamp(col, 0.0, 1.0);
}
