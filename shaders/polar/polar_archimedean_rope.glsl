// name: polar_archimedean_rope
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x arm count, uP0.y pitch, uP0.z wobble lobes, uP0.w wobble amount, uP1+uP2 palette, uP3.x stroke width, uP3.y dash count, uP3.z background dark/light, uP3.w rope shading

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float r = length(p), a = atan(p.y, p.x);
    float m = floor(mix(1.0, 6.0, uP0.x));
    float pitch = mix(0.12, 0.45, uP0.y);
    float lobes = floor(mix(0.0, 9.0, uP0.z));
    float rw = r + uP0.w * 0.06 * sin(lobes * a + uTime * 0.2) * min(r * 4.0, 1.0);
    float u = m * (rw / pitch - a / TAU + uTime * 0.05);
    float fu = fract(u);
    float d = abs(fu - 0.5) * pitch / m;          // distance to the nearest arm, in p units
    float hw = mix(0.15, 0.45, uP3.x) * pitch / m;
    float arm = mod(floor(u), m);
    float along = (a / TAU + rw / pitch) * floor(mix(0.0, 40.0, uP3.y));
    float dash = uP3.y > 0.15 ? smoothstep(0.1, 0.2, abs(fract(along) - 0.5)) : 1.0;
    vec3 bg = mix(vec3(0.03), vec3(0.94), uP3.z);
    vec3 c = ppalette(arm / m + r * 0.3, uP1, uP2);
    float tube = sqrt(max(0.0, 1.0 - (d / hw) * (d / hw)));
    c *= mix(1.0, 0.35 + 0.65 * tube, uP3.w);
    float cov = smoothstep(hw + px, hw - px, d) * mix(1.0, dash, 0.85);
    vec3 col = mix(bg, c, cov);
    return mix(col, mix(bg, c, 0.5), smoothstep(0.25, 0.6, px * m / pitch * 3.0));
}
