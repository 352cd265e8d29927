// name: gradient_glow_blobs
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x blob count, uP0.y blob size, uP0.z stretch, uP0.w layout seed, uP1+uP2 palette, uP3.x exposure, uP3.y background tint, uP3.z additive vs subtractive (light ground), uP3.w drift with time

// four samples of this draw's palette, taken once per pixel: ppalette costs three cosines,
// which is slow on a software rasteriser inside a loop; pal() interpolates the samples cyclically
vec3 gPal0, gPal1, gPal2, gPal3;
void setupPal(vec4 q, vec4 r) {
    gPal0 = ppalette(0.0, q, r); gPal1 = ppalette(0.25, q, r);
    gPal2 = ppalette(0.5, q, r); gPal3 = ppalette(0.75, q, r);
}
vec3 pal(float t) {
    float u = fract(t) * 4.0;
    vec3 c = mix(gPal0, gPal1, clamp(u, 0.0, 1.0));
    c = mix(c, gPal2, clamp(u - 1.0, 0.0, 1.0));
    c = mix(c, gPal3, clamp(u - 2.0, 0.0, 1.0));
    return mix(c, gPal0, clamp(u - 3.0, 0.0, 1.0));
}

vec3 shade(vec2 p) {
    setupPal(uP1, uP2);
    int n = 2 + int(uP0.x * 8.0);
    vec3 acc = vec3(0.0), absorb = vec3(0.0);
    for (int i = 0; i < 10; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 1.9, uP0.w * 43.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.2, 0.9) + uP3.w * 0.2 * vec2(sin(uTime * 0.3 + fi), cos(uTime * 0.2 + fi * 2.0));
        vec2 q = rot2(h.z * PI) * (p - c);
        q.x /= mix(1.0, 3.0, uP0.z * h.z);
        float s = mix(0.15, 0.7, uP0.y) * mix(0.6, 1.3, h.x);
        float g = exp(-dot(q, q) / (s * s));
        vec3 cc = pal(fi * 0.17 + h.y * 0.3);
        acc += g * cc;
        absorb += g * (1.0 - cc) * 1.5;
    }
    float ex = mix(0.6, 2.0, uP3.x);
    vec3 bg = ppalette(0.8, uP2, uP1) * mix(0.0, 0.25, uP3.y);
    if (uP3.z < 0.6) return bg + (1.0 - exp(-acc * ex));
    // light ground: the blobs act as dyes that absorb the complement of their colour
    return (vec3(0.97) - bg * 0.5) * exp(-absorb * ex);
}
