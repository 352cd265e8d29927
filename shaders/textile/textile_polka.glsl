// name: textile_polka
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x dot spacing, uP0.y dot size, uP0.z staggered vs square grid, uP0.w rotation, uP1+uP2 palette, uP3.x second dot colour share, uP3.y ring dots, uP3.z size jitter, uP3.w dark/light ground

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP0.w * PI * 0.5) * p;
    float sp = mix(0.15, 0.5, uP0.x);
    vec2 x = p / sp;
    float stag = step(0.4, uP0.z);
    float row = floor(x.y + 0.5);
    x.x += stag * 0.5 * mod(row, 2.0);
    vec2 id = floor(x + 0.5);
    vec2 f = x - id;
    float h = hash12(id + 3.0);
    float r = mix(0.15, 0.42, uP0.y) * (1.0 + uP3.z * (h - 0.5));
    float d = length(f) - r;
    if (uP3.y > 0.65) d = abs(d + r * 0.3) - r * 0.3;
    vec3 ground = mix(ppalette(0.0, uP1, uP2) * 0.35, mix(ppalette(0.0, uP1, uP2), vec3(1.0), 0.7), step(0.5, uP3.w));
    vec3 c1 = ppalette(0.45, uP2, uP1), c2 = ppalette(0.8, uP1, uP2);
    vec3 dc = hash12(id * 1.7 + 9.0) < uP3.x * 0.6 ? c2 : c1;
    float fw = px / sp;
    return mix(ground, dc, smoothstep(fw, -fw, d));
}
