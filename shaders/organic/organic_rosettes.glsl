// name: organic_rosettes
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x spot scale, uP0.y ring thickness, uP0.z ring breakup, uP0.w seed, uP1+uP2 palette, uP3.x solid spots vs rosettes, uP3.y stretch, uP3.z centre tint, uP3.w coat darkness

vec3 shade(vec2 p) {
    float sc = mix(2.0, 5.0, uP0.x);
    vec2 x = p * sc * vec2(1.0, mix(1.0, 1.8, uP3.y)) + uP0.w * 40.0;
    x += 0.35 * (vec2(gnoise(x * 0.7), gnoise(x * 0.7 + 5.0)) - 0.5);
    vec2 n = floor(x), f = fract(x);
    float best = 9.0; vec2 bid = vec2(0.0); vec2 br = vec2(0.0);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(float(i), float(j));
        vec2 o = 0.15 + 0.7 * hash22(n + g);
        vec2 r = g + o - f;
        float d = dot(r, r);
        if (d < best) { best = d; bid = n + g; br = r; }
    }
    float d = sqrt(best);
    float h = hash12(bid);
    float ang = atan(br.y, br.x);
    // rosette: an irregular ring broken into arcs around each cell point
    float R = mix(0.22, 0.34, h) * (1.0 + 0.1 * sin(ang * 2.0 + h * 9.0) + 0.06 * sin(ang * 5.0 + h * 31.0));
    float th = mix(0.04, 0.12, uP0.y);
    float ring = smoothstep(th, th * 0.6, abs(d - R));
    float brk = smoothstep(0.35, 0.65, sin(ang * floor(mix(2.0, 6.0, h)) + h * 20.0) * 0.5 + 0.5 + (uP0.z - 0.5));
    ring *= mix(1.0, brk, uP0.z);
    float solid = smoothstep(R * 0.9, R * 0.8, d);
    float spot = mix(ring, max(ring, solid), step(0.6, uP3.x));
    vec3 coat = ppalette(0.15, uP1, uP2) * mix(1.0, 0.45, uP3.w) + 0.1 * vnoise(p * 30.0);
    vec3 inner = mix(coat, ppalette(0.35, uP1, uP2) * 0.8, uP3.z * smoothstep(R, R * 0.5, d));
    vec3 dark = ppalette(0.7, uP2, uP1) * 0.18;
    return mix(inner, dark, spot);
}
