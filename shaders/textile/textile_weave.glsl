// name: textile_weave
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x thread size, uP0.y weave structure (plain/basket/twill/satin), uP0.z gap between threads, uP0.w rotation, uP1 warp colour, uP2 weft colour, uP3.x thread shading, uP3.y colour variation per thread, uP3.z fibre texture, uP3.w weft colour contrast

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP0.w * PI) * p;
    float ts = mix(0.05, 0.2, uP0.x);
    vec2 t = p / ts + 50.0;
    vec2 i = floor(t), f = fract(t);
    float s = uP0.y * 4.0;
    float up;
    if (s < 1.0) up = mod(i.x + i.y, 2.0);
    else if (s < 2.0) up = mod(floor(i.x * 0.5) + floor(i.y * 0.5), 2.0);
    else if (s < 3.0) up = step(mod(i.x + i.y, 4.0), 1.5);
    else up = 1.0 - step(0.5, mod(i.x * 2.0 + i.y, 5.0));
    vec3 warpC = ppalette(0.1 + uP3.y * 0.2 * hash11(i.x), uP1, uP2);
    vec3 weftC = mix(warpC, ppalette(0.6 + uP3.y * 0.2 * hash11(i.y + 9.0), uP2, uP1), mix(0.3, 1.0, uP3.w));
    float gap = mix(0.0, 0.2, uP0.z);
    // across-thread profile: a rounded yarn that dips where it passes under its neighbour
    float ax = abs(f.x - 0.5) * 2.0, ay = abs(f.y - 0.5) * 2.0;
    float warpProf = sqrt(max(0.0, 1.0 - ax * ax)) * smoothstep(1.0, 1.0 - gap * 2.0 - 0.05, ax);
    float weftProf = sqrt(max(0.0, 1.0 - ay * ay)) * smoothstep(1.0, 1.0 - gap * 2.0 - 0.05, ay);
    float sh = mix(0.6, 1.0, 1.0 - uP3.x);
    vec3 col;
    if (up > 0.5) col = warpC * (sh + (1.0 - sh) * warpProf) * mix(1.0, 0.7 + 0.3 * sin(f.y * PI), uP3.x);
    else col = weftC * (sh + (1.0 - sh) * weftProf) * mix(1.0, 0.7 + 0.3 * sin(f.x * PI), uP3.x);
    float inGap = up > 0.5 ? step(1.0 - gap * 2.0, ax) : step(1.0 - gap * 2.0, ay);
    col = mix(col, vec3(0.03), inGap * 0.85);
    float fib = vnoise(up > 0.5 ? vec2(t.x * 6.0, t.y * 1.5) : vec2(t.x * 1.5, t.y * 6.0));
    col *= 1.0 - uP3.z * 0.3 * fib;
    return col;
}
