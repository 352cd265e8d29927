// name: ifs_polygon_flake
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x corners 4..8, uP0.y with or without the central copy, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x depth, uP3.y spin per level, uP3.z copy shape (disc or polygon), uP3.w colour by address or by radius

// n-flakes: n scaled copies of a shape at the corners of a regular n-gon (plus an optional
// centre copy), with the ratio that makes neighbouring copies touch; drawn by inverse iteration.
vec3 shade(vec2 p) {
    int n = 4 + int(uP0.x * 5.0);
    float fn = float(n);
    float sum = 0.0;
    for (int k = 1; k <= 2; k++) {
        if (float(k) > floor(fn / 4.0)) break;
        sum += cos(TAU * float(k) / fn);
    }
    float r = 1.0 / (2.0 * (1.0 + sum));
    bool centre = uP0.y > 0.5;
    p = rot2(uP0.w * TAU) * p * mix(1.0, 1.5, uP0.z);
    int depth = 2 + int(uP3.x * 4.0);
    float spin = (uP3.y - 0.5) * 0.6;
    float sc = 1.0, addr = 0.0, w = 1.0;
    float sector = TAU / fn;
    for (int i = 0; i < 6; i++) {
        if (i >= depth) break;
        float a = floor(atan(p.y, p.x) / sector + 0.5) * sector;
        vec2 v = (1.0 - r) * vec2(cos(a), sin(a));
        float k = a / TAU + 1.0;
        if (centre && length(p) < length(p - v)) { v = vec2(0.0); k = 0.0; }
        p = rot2(spin) * (p - v) / r;
        sc *= r;
        addr += fract(k) * w;
        w *= 0.5;
    }
    float shapeD = uP3.z > 0.5 ? length(p) - 1.0
                               : length(p) * cos(PI / fn) / cos(mod(atan(p.y, p.x), sector) - 0.5 * sector) - cos(PI / fn);
    float d = shapeD * sc;
    vec3 fill = ppalette(uP3.w > 0.5 ? addr * 1.7 : length(p) * 0.4 + addr, uP1, uP2);
    vec3 bg = ppalette(0.5, uP2, uP1) * 0.12;
    float m = smoothstep(0.005, -0.005, d);
    return clamp(mix(bg + fill * 0.3 * exp(-max(d, 0.0) * 30.0), fill, m), 0.0, 1.0);
}
