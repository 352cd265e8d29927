// name: textile_argyle
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x diamond size, uP0.y diamond elongation, uP0.z overcheck line width, uP0.w overcheck dash length, uP1+uP2 palette, uP3.x three vs two diamond colours, uP3.y overcheck on/off, uP3.z knit texture, uP3.w small offset

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float sz = mix(0.25, 0.8, uP0.x);
    float el = mix(1.0, 1.8, uP0.y);
    vec2 q = vec2(p.x, p.y / el) / sz + uP3.w;
    // diamond lattice = the square lattice rotated by 45 degrees
    vec2 r = vec2(q.x + q.y, q.y - q.x) * 0.70710678;
    vec2 id = floor(r), f = fract(r);
    float chk = mod(id.x + id.y, 2.0);
    float three = step(0.5, uP3.x) * mod(id.x, 2.0);
    vec3 c0 = ppalette(0.0, uP1, uP2), c1 = ppalette(0.4, uP1, uP2), c2 = ppalette(0.75, uP2, uP1);
    vec3 col = chk < 0.5 ? c0 : mix(c1, c2, three);
    if (uP3.y > 0.3) {
        // overcheck: thin dashed lines through the diamond centres' diagonals
        vec2 g = fract(r + 0.5) - 0.5;
        float lw = mix(0.015, 0.06, uP0.z);
        float dl = min(abs(g.x), abs(g.y)) * sz;
        float dash = step(0.5, fract((r.x + r.y) * mix(2.0, 6.0, uP0.w)));
        col = mix(col, ppalette(0.2, uP2, uP1) * 1.1, smoothstep(lw * sz * 0.25 + px, lw * sz * 0.25 - px, dl) * dash);
    }
    float fw = px / sz;
    vec2 ff = min(f, 1.0 - f);
    col *= 1.0 - 0.1 * smoothstep(fw * 2.0, 0.0, min(ff.x, ff.y));
    col *= 1.0 - uP3.z * 0.2 * vnoise(p * vec2(90.0, 60.0));
    return col;
}
