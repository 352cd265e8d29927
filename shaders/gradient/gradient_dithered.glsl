// name: gradient_dithered
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x dither cell count, uP0.y level count, uP0.z gradient type (linear/radial/wave), uP0.w direction, uP1+uP2 palette, uP3.x 4x4 vs 8x8 matrix, uP3.y monochrome 2-tone, uP3.z gradient contrast, uP3.w palette span

// ordered-dither threshold: the 2x2 pattern (0 2 / 3 1) nested recursively
float m2(vec2 b) { return mod(2.0 * b.x + 3.0 * b.y, 4.0); }
float bayer(vec2 c, bool big) {
    vec2 b0 = mod(c, 2.0), b1 = mod(floor(c * 0.5), 2.0), b2 = mod(floor(c * 0.25), 2.0);
    if (big) return (16.0 * m2(b0) + 4.0 * m2(b1) + m2(b2) + 0.5) / 64.0;
    return (4.0 * m2(b0) + m2(b1) + 0.5) / 16.0;
}

vec3 shade(vec2 p) {
    float cells = mix(24.0, 72.0, uP0.x);
    vec2 cell = floor(p * cells * 0.5);
    vec2 pc = (cell + 0.5) / (cells * 0.5);
    vec2 dir = vec2(cos(uP0.w * TAU), sin(uP0.w * TAU));
    float v;
    if (uP0.z < 0.33) v = dot(pc, dir) * 0.4 + 0.5;
    else if (uP0.z < 0.66) v = 1.0 - length(pc - dir * 0.4) * 0.7;
    else v = 0.5 + 0.35 * sin(dot(pc, dir) * 3.0 + sin(pc.y * 2.0) * 1.5);
    v = clamp(0.5 + (v - 0.5) * mix(0.8, 1.8, uP3.z), 0.0, 1.0);
    float L = uP3.y > 0.6 ? 1.0 : floor(mix(2.0, 6.0, uP0.y));
    float th = bayer(cell, uP3.x > 0.5);
    float q = floor(v * L + th) / L;
    if (uP3.y > 0.6) return mix(ppalette(0.0, uP1, uP2) * 0.3, ppalette(0.5, uP1, uP2) * 0.5 + 0.5, q);
    return ppalette(q * mix(0.4, 1.0, uP3.w), uP1, uP2);
}
