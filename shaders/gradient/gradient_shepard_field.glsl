// name: gradient_shepard_field
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x colour point count, uP0.y weight falloff power, uP0.z point spread, uP0.w layout seed, uP1+uP2 palette, uP3.x saturation boost, uP3.y domain warp, uP3.z dark/light tone, uP3.w palette span

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
    int n = 3 + int(uP0.x * 9.0);
    float pw = mix(1.5, 7.0, uP0.y);
    p += uP3.y * 0.3 * vec2(sin(p.y * 2.3 + uP0.w * 9.0), sin(p.x * 1.9 + uP0.w * 4.0));
    vec3 acc = vec3(0.0);
    float ws = 0.0;
    for (int i = 0; i < 12; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec2 c = (hash22(vec2(uP0.w * 61.0, fi)) * 2.0 - 1.0) * mix(0.6, 1.5, uP0.z) * vec2(1.2, 1.0);
        float d2 = dot(p - c, p - c) + 1e-4;
        float w = pow(d2, -0.5 * pw);
        acc += w * pal(hash11(fi * 2.7 + uP0.w) * mix(0.3, 1.0, uP3.w));
        ws += w;
    }
    vec3 col = acc / ws;
    float l = dot(col, vec3(0.3, 0.59, 0.11));
    col = mix(vec3(l), col, mix(0.8, 1.8, uP3.x));
    col = pow(max(col, 0.0), vec3(mix(2.0, 0.5, uP3.z)));
    return clamp(col, 0.0, 1.0);
}
