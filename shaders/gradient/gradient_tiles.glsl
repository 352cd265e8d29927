// name: gradient_tiles
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x tile count, uP0.y radial tile share, uP0.z colour pairs coherence, uP0.w seed, uP1+uP2 palette, uP3.x gap width, uP3.y rotation, uP3.z gap dark/light, uP3.w triangle split of tiles

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.y * TAU) * p;
    float n = floor(mix(2.0, 7.0, uP0.x));
    vec2 x = p * n * 0.5 + uP0.w * 5.0;
    vec2 id = floor(x), f = fract(x);
    if (uP3.w > 0.5 && f.x > f.y) id += 100.0;
    vec3 h = hash32(id + uP0.w * 17.0);
    float t;
    if (h.z < uP0.y) t = length(f - h.xy);
    else { float a = h.x * TAU; t = dot(f - 0.5, vec2(cos(a), sin(a))) + 0.5; }
    float base = mix(h.y, floor(h.y * 3.0) / 3.0, uP0.z);
    vec3 col = mix(ppalette(base, uP1, uP2), ppalette(base + 0.4, uP2, uP1), clamp(t, 0.0, 1.0));
    float gap = uP3.x * 0.08;
    float e = min(min(f.x, 1.0 - f.x), min(f.y, 1.0 - f.y));
    if (uP3.w > 0.5) e = min(e, abs(f.x - f.y) * 0.7071);
    float fw = px * n * 0.5;
    return mix(mix(vec3(0.05), vec3(0.95), step(0.5, uP3.z)), col, smoothstep(gap, gap + fw, e) + step(gap, 0.001));
}
