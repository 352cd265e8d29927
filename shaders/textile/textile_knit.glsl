// name: textile_knit
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x stitch size, uP0.y motif period, uP0.z motif kind (stripes/diamonds/dots), uP0.w motif seed, uP1+uP2 yarn palette, uP3.x stitch shading depth, uP3.y leg slant, uP3.z fuzz, uP3.w rotation

float leg(vec2 f, float side, float slant) {
    vec2 q = f - vec2(side * 0.22, 0.1);
    q = rot2(side * slant) * q;
    return length(q * vec2(1.0 / 0.17, 1.0 / 0.5)) - 1.0;
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2((uP3.w - 0.5) * 0.5) * p;
    float sz = mix(0.1, 0.28, uP0.x);
    vec2 x = vec2(p.x / sz, p.y / (sz * 0.8)) + 40.0;
    vec2 id = floor(x), f = fract(x) - 0.5;
    float slant = mix(0.3, 0.6, uP3.y);
    float dl = leg(f, -1.0, slant), dr = leg(f, 1.0, slant);
    // the leg of the stitch below peeks through at the bottom
    vec2 fb = f + vec2(0.0, 1.0);
    float db = min(leg(fb, -1.0, slant), leg(fb, 1.0, slant));
    float d = min(min(dl, dr), db);
    float P = floor(mix(4.0, 12.0, uP0.y));
    vec2 m = mod(id, P) - P * 0.5 + 0.5;
    float motif;
    if (uP0.z < 0.33) motif = step(P * 0.5, mod(id.y, P * 1.5 + 1.0));
    else if (uP0.z < 0.66) motif = step(abs(m.x) + abs(m.y), P * 0.35) * step(P * 0.12, abs(m.x) + abs(m.y) + 0.5);
    else motif = step(length(m), P * 0.25);
    motif = max(motif * step(0.15, hash11(uP0.w * 7.0)), 0.0);
    vec3 ca = ppalette(0.05, uP1, uP2), cb = ppalette(0.55, uP2, uP1);
    vec3 yarn = mix(ca, cb, motif);
    float depth = mix(0.3, 0.8, uP3.x);
    float inside = smoothstep(0.1, -0.1, d);
    float rel = clamp(-d, 0.0, 1.0);
    vec3 col = yarn * (1.0 - depth + depth * sqrt(rel)) * inside + yarn * 0.2 * (1.0 - inside);
    col *= 1.0 - uP3.z * 0.25 * vnoise(x * 12.0);
    return col;
}
