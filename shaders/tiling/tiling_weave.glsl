// name: tiling_weave
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z thread density, uP0.w rotation, uP1+uP2 palette, uP3.x weave (plain, twill, satin step), uP3.y strand width, uP3.z strand shading, uP3.w warp and weft colour contrast

// Woven cloth: warp threads run vertically, weft horizontally; a cell shows the warp on top when
// (column + step * row) mod period is zero-ish, which gives plain, twill or satin weaves.
vec3 shade(vec2 p) {
    float sc = mix(2.5, 5.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec2 c = floor(q), f = fract(q) - 0.5;
    float period = uP3.x < 0.33 ? 2.0 : uP3.x < 0.66 ? 3.0 : 5.0;
    float stepR = period == 5.0 ? 2.0 : 1.0;
    bool warpTop = mod(c.x + stepR * c.y, period) < (period == 2.0 ? 1.0 : period == 3.0 ? 1.5 : 1.0);
    float w = mix(0.3, 0.48, uP3.y);
    float inWarp = step(abs(f.x), w), inWeft = step(abs(f.y), w);
    vec3 warpC = ppalette(0.15 + 0.05 * hash11(c.x), uP1, uP2);
    vec3 weftC = mix(warpC, ppalette(0.55 + 0.05 * hash11(c.y + 9.0), uP2, uP1), mix(0.3, 1.0, uP3.w));
    float sw = mix(0.0, 1.0, uP3.z);
    vec3 warpS = warpC * mix(1.0, 1.0 - (f.x / w) * (f.x / w) * 0.7, sw) * mix(1.0, 0.75 + 0.5 * smoothstep(-0.5, 0.5, warpTop ? 0.0 : abs(f.y) - 0.3), sw);
    vec3 weftS = weftC * mix(1.0, 1.0 - (f.y / w) * (f.y / w) * 0.7, sw);
    vec3 gap = vec3(0.04);
    vec3 col = gap;
    if (warpTop) {
        col = inWeft > 0.5 ? weftS * 0.7 : col;
        col = inWarp > 0.5 ? warpS : col;
    } else {
        col = inWarp > 0.5 ? warpS * 0.7 : col;
        col = inWeft > 0.5 ? weftS : col;
    }
    return clamp(col, 0.0, 1.0);
}
