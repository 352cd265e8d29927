// name: strokes_wave_contours
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x number of plane waves, uP0.y wave frequency, uP0.z contour spacing, uP0.w direction seed, uP1+uP2 palette, uP3.x line width, uP3.y filled bands vs lines only, uP3.z background dark/light, uP3.w radial wave share

vec3 shade(vec2 p) {
    int n = 2 + int(uP0.x * 5.0);
    float fq = mix(1.5, 6.0, uP0.y);
    float v = 0.0;
    for (int i = 0; i < 7; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec2 h = hash22(vec2(uP0.w * 37.0, fi));
        float a = h.x * TAU;
        vec2 c = (h - 0.5) * 2.5;
        float k = fq * mix(0.6, 1.4, hash11(fi + uP0.w * 11.0));
        float planar = sin(dot(p, vec2(cos(a), sin(a))) * k + h.y * TAU + uTime * 0.2);
        float radial = sin(length(p - c) * k * 1.3 + h.x * TAU);
        v += mix(planar, radial, step(hash11(fi * 7.0 + uP0.w), uP3.w));
    }
    v /= sqrt(float(n));
    float levels = mix(3.0, 12.0, uP0.z);
    float u = v * levels * 0.5;
    float fw = fwidth(u);
    float lw = mix(0.03, 0.22, uP3.x);
    float line = smoothstep(lw + fw, max(lw - fw, 0.0), abs(fract(u) - 0.5) - (0.5 - lw) + lw) ;
    line = 1.0 - smoothstep(lw - fw, lw + fw, min(fract(u), 1.0 - fract(u)));
    line = mix(line, lw, smoothstep(0.3, 0.7, fw));
    vec3 bg = mix(vec3(0.03), vec3(0.95), uP3.z);
    vec3 band = ppalette(floor(u) / levels, uP1, uP2);
    vec3 base = mix(bg, mix(bg, band, 0.85), step(0.5, uP3.y));
    vec3 ink = uP3.y > 0.5 ? mix(vec3(0.0), vec3(1.0), step(uP3.z, 0.3)) : ppalette(u / levels, uP1, uP2);
    return mix(base, ink, line);
}
