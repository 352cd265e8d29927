// name: ifs_inversion_ring
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x ring circle count 3..8, uP0.y circle radius (tangent or shrunk into a Schottky group), uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x colour by inversions or by final position, uP3.y outline width, uP3.z background darkness, uP3.w pan

// A ring of n mutually tangent circles plus the inner and outer circles tangent to all of them:
// repeated inversion into the gaps draws the limit set (a gasket when tangent, a Cantor dust of
// discs when the circles are shrunk).
vec3 shade(vec2 p) {
    int n = 3 + int(uP0.x * 6.0);
    float fn = float(n);
    float R = 1.0;
    float r = R * sin(PI / fn) * mix(0.8, 1.0, uP0.y);
    float rin = R - R * sin(PI / fn), rout = R + R * sin(PI / fn);
    vec2 z = rot2(uP0.w * TAU) * p * mix(1.0, 2.2, uP0.z) + (vec2(uP3.w, fract(uP3.w * 5.1)) - 0.5) * 0.5;
    float count = 0.0;
    float sector = TAU / fn;
    for (int i = 0; i < 24; i++) {
        float a = floor(atan(z.y, z.x) / sector + 0.5) * sector;
        vec2 c = R * vec2(cos(a), sin(a));
        vec2 d = z - c;
        float d2 = dot(d, d);
        float m2 = dot(z, z);
        if (d2 < r * r) z = c + d * (r * r / d2);
        else if (m2 < rin * rin) z = z * (rin * rin / max(m2, 1e-8));
        else if (m2 > rout * rout) z = z * (rout * rout / m2);
        else break;
        count += 1.0;
    }
    float a = floor(atan(z.y, z.x) / sector + 0.5) * sector;
    float edge = min(abs(length(z - R * vec2(cos(a), sin(a))) - r), min(abs(length(z) - rin), abs(length(z) - rout)));
    vec3 col = ppalette(uP3.x > 0.5 ? count * 0.12 : length(z) * 0.6 + a / TAU, uP1, uP2);
    col *= mix(0.25, 1.0, exp(-count * mix(0.02, 0.3, uP3.z)));
    col *= smoothstep(0.0, mix(0.01, 0.05, uP3.y), edge);
    return clamp(col, 0.0, 1.0);
}
