// name: textile_gingham
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x check size, uP0.y band width ratio, uP0.z two colours vs one colour on white, uP0.w rotation, uP1+uP2 palette, uP3.x weave texture, uP3.y second narrow band, uP3.z colour choice, uP3.w sharpness

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2((uP0.w - 0.5) * 0.8) * p;
    float sz = mix(0.12, 0.6, uP0.x);
    vec2 f = fract(p / sz);
    float r = mix(0.3, 0.6, uP0.y);
    float soft = mix(0.02, 0.002, uP3.w) + px / sz;
    float bx = smoothstep(r + soft, r - soft, f.x) * smoothstep(-soft, soft, f.x);
    float by = smoothstep(r + soft, r - soft, f.y) * smoothstep(-soft, soft, f.y);
    vec3 ca = ppalette(uP3.z, uP1, uP2);
    vec3 cb = uP0.z > 0.5 ? ppalette(uP3.z + 0.5, uP1, uP2) : vec3(0.96, 0.95, 0.93);
    // dyed threads overlap: one band gives the mid tone, crossing bands the full tone
    vec3 col = mix(cb, mix(cb, ca, 0.55), max(bx, by));
    col = mix(col, ca * 0.85, bx * by);
    if (uP3.y > 0.5) {
        float n = 0.08;
        float lx = smoothstep(n * 0.5 + soft, n * 0.5 - soft, abs(f.x - (r + 1.0) * 0.5));
        float ly = smoothstep(n * 0.5 + soft, n * 0.5 - soft, abs(f.y - (r + 1.0) * 0.5));
        col = mix(col, ppalette(uP3.z + 0.25, uP2, uP1), max(lx, ly) * 0.7);
    }
    vec2 t = p * 45.0;
    float weave = mod(floor(t.x) + floor(t.y), 2.0);
    col *= 1.0 - uP3.x * 0.12 * weave;
    return col;
}
