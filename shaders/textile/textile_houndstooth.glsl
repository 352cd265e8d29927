// name: textile_houndstooth
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x tooth size, uP0.y threads per colour block, uP0.z rotation, uP0.w colour pair, uP1+uP2 palette, uP3.x contrast, uP3.y thread texture, uP3.z twill direction, uP3.w second-colour tint

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2((uP0.z - 0.5) * 0.6) * p;
    float n = floor(mix(2.0, 6.0, uP0.y));          // threads per colour block
    float ts = mix(0.18, 0.6, uP0.x) / (2.0 * n);   // thread width, one tooth = 2n threads
    vec2 t = p / ts + 100.0;
    vec2 i = floor(t);
    // warp and weft both alternate n dark and n light threads; a 2/2 twill interlaces them
    float warpDark = step(n, mod(i.x, 2.0 * n));
    float weftDark = step(n, mod(i.y, 2.0 * n));
    float dir = uP3.z < 0.5 ? 1.0 : -1.0;
    float up = step(mod(i.x + dir * i.y, 4.0), 1.5);
    float dark = mix(weftDark, warpDark, up);
    dark = mix(dark, 0.5 * (warpDark + weftDark), smoothstep(0.5, 1.5, px / ts));
    vec3 a = mix(ppalette(uP0.w, uP1, uP2) * 0.25, vec3(0.04), 1.0 - uP3.w);
    vec3 b = mix(vec3(0.92, 0.9, 0.85), ppalette(uP0.w + 0.5, uP2, uP1), uP3.w * 0.8);
    a = mix(mix(a, b, 0.35), a, uP3.x);
    vec3 col = mix(b, a, dark);
    vec2 f = fract(t) - 0.5;
    col *= 1.0 - uP3.y * 0.25 * (up > 0.5 ? f.x * f.x : f.y * f.y) * 4.0;
    return col;
}
