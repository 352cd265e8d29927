// name: strokes_ridgelines
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x line count, uP0.y peak height, uP0.z noise frequency, uP0.w seed, uP1+uP2 palette, uP3.x line width, uP3.y envelope width, uP3.z fill tone, uP3.w colour per line vs single ink

float noise1(float x) {
    float i = floor(x), f = fract(x);
    f = f * f * (3.0 - 2.0 * f);
    return mix(hash11(i), hash11(i + 1.0), f);
}

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
    int n = 10 + int(uP0.x * 20.0);
    float span = 1.7;
    float gap = span / float(n);
    float hgt = mix(0.08, 0.6, uP0.y);
    float fq = mix(2.0, 9.0, uP0.z);
    float w = mix(0.004, 0.02, uP3.x);
    float env = mix(0.25, 1.2, uP3.y);
    vec3 fill = mix(vec3(0.02), vec3(0.97), uP3.z);
    vec3 ink = mix(vec3(0.96), vec3(0.03), step(0.5, uP3.z));
    vec3 col = fill;
    for (int i = 0; i < 30; i++) {
        if (i >= n) break;
        float fi = float(i);
        float base = 0.85 - fi * gap;
        float sd = uP0.w * 113.0 + fi * 17.3;
        float x = p.x * fq + sd;
        float bump = exp(-pow((p.x - 0.3 * sin(sd)) / env, 2.0));
        float h = base + hgt * bump * (0.65 * noise1(x) + 0.35 * noise1(2.1 * x + 3.0)) + 0.02 * noise1(6.0 * x);
        col = mix(col, fill, step(p.y, h));
        vec3 c = mix(ink, pal(fi / float(n)), uP3.w);
        col = mix(col, c, smoothstep(w + px, w - px, abs(p.y - h)));
    }
    return col;
}
