// name: strokes_sine_weave
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x line count, uP0.y base frequency, uP0.z amplitude, uP0.w rotation, uP1+uP2 palette, uP3.x line width, uP3.y phase spread, uP3.z background dark/light, uP3.w frequency spread

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
    float px = 2.0 / uRes.y;
    p = rot2(uP0.w * TAU) * p;
    int n = 3 + int(uP0.x * 15.0);
    float f0 = mix(1.0, 7.0, uP0.y);
    float amp = mix(0.05, 0.7, uP0.z);
    float w = mix(0.006, 0.045, uP3.x);
    vec3 bg = uP3.z > 0.5 ? mix(vec3(0.78), vec3(0.98, 0.96, 0.9), uP3.z) : mix(vec3(0.0), vec3(0.12, 0.1, 0.2), uP3.z * 2.0);
    vec3 col = bg;
    for (int i = 0; i < 18; i++) {
        if (i >= n) break;
        float fi = float(i);
        float h = hash11(fi * 3.7 + uP0.w * 51.0);
        float f = f0 * (1.0 + uP3.w * (h - 0.5) * 1.6);
        float ph = fi * uP3.y * 1.7 + h * TAU * uP3.y + uTime * 0.3;
        float y0 = mix(-1.0, 1.0, (fi + 0.5) / float(n)) * (1.0 - 0.45 * uP0.z);
        float y = y0 + amp * (sin(f * p.x + ph) + 0.35 * sin(2.3 * f * p.x + 2.0 * ph));
        float dy = amp * f * (cos(f * p.x + ph) + 0.35 * 2.3 * cos(2.3 * f * p.x + 2.0 * ph));
        float d = abs(p.y - y) / sqrt(1.0 + dy * dy);
        vec3 c = pal(fi / float(n) * 0.8 + h * 0.2);
        col = mix(col, bg * 0.5, 0.6 * smoothstep(2.5 * w + px, w, d));
        col = mix(col, c, smoothstep(w + px, w - px, d));
    }
    return col;
}
