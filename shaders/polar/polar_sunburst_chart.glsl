// name: polar_sunburst_chart
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x ring count, uP0.y segments per ring, uP0.z hole radius, uP0.w seed, uP1+uP2 palette, uP3.x gap width, uP3.y rotation, uP3.z gap colour dark/light, uP3.w missing-segment share

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float r = length(p), a = atan(p.y, p.x);
    float hole = mix(0.0, 0.35, uP0.z);
    float rings = floor(mix(2.0, 8.0, uP0.x));
    float rw = (1.0 - hole) / rings;
    float ri = floor((r - hole) / rw);
    vec3 gapc = mix(vec3(0.05), vec3(0.97), uP3.z);
    if (r < hole || ri >= rings) return mix(gapc, ppalette(0.95, uP2, uP1), 0.25 * step(rings, ri));
    float cnt = floor(mix(2.0, 14.0, uP0.y) * mix(0.5, 1.5, hash11(ri + uP0.w * 23.0)) + ri * uP0.y * 2.0);
    float u = fract(a / TAU + uP3.y + hash11(ri * 7.7 + uP0.w) ) * cnt;
    // uneven segment widths: warp u monotonically inside each ring
    float j = mod(floor(u), cnt);
    float h = hash12(vec2(ri, j) + uP0.w * 31.0);
    float gap = mix(0.003, 0.02, uP3.x);
    float dr = min(fract((r - hole) / rw), 1.0 - fract((r - hole) / rw)) * rw;
    float da = min(fract(u), 1.0 - fract(u)) / cnt * TAU * r;
    float inside = smoothstep(gap - px, gap + px, min(dr, da));
    vec3 c = ppalette(ri * 0.11 + h * 0.35, uP1, uP2);
    if (h < uP3.w * 0.5) inside = 0.0;
    return mix(gapc, c, inside);
}
