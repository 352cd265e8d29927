// name: textile_tartan
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x bands in the sett, uP0.y thread size, uP0.z band width spread, uP0.w sett seed, uP1+uP2 palette, uP3.x dark/light ground, uP3.y rotation, uP3.z colour count, uP3.w different weft sett

// colour index of thread i in a mirrored (symmetric) sett
float settColour(float i, float k, float seed) {
    float total = 0.0;
    for (int b = 0; b < 7; b++) { if (float(b) >= k) break; total += floor(mix(2.0, 3.0 + 9.0 * uP0.z, hash11(float(b) * 3.1 + seed))); }
    float u = mod(i, 2.0 * total);
    if (u >= total) u = 2.0 * total - 1.0 - u;
    float acc = 0.0, id = 0.0;
    for (int b = 0; b < 7; b++) {
        if (float(b) >= k) break;
        float w = floor(mix(2.0, 3.0 + 9.0 * uP0.z, hash11(float(b) * 3.1 + seed)));
        if (u >= acc && u < acc + w) id = float(b);
        acc += w;
    }
    return id;
}

vec3 bandColour(float id, float seed) {
    float nc = floor(mix(2.0, 5.0, uP3.z));
    // neighbouring bands always differ; which colour starts is random
    float c = mod(id + floor(hash11(seed) * nc), nc);
    vec3 col = ppalette(c / nc, uP1, uP2);
    return c < 0.5 ? col * mix(0.25, 1.0, uP3.x) : col;
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(floor(uP3.y * 2.0) * PI * 0.25) * p;
    float ts = mix(0.01, 0.025, uP0.y);
    vec2 t = p / ts + 200.0;
    vec2 i = floor(t);
    float k = floor(mix(3.0, 7.0, uP0.x));
    float seed = uP0.w * 53.0;
    float seedW = uP3.w > 0.7 ? seed + 11.0 : seed;
    vec3 warp = bandColour(settColour(i.x, k, seed), seed);
    vec3 weft = bandColour(settColour(i.y, k, seedW), seed);
    // 2/2 twill: the warp thread is on top for two picks out of four, shifted by one each row
    float up = step(mod(i.x + i.y, 4.0), 1.5);
    vec3 col = mix(weft, warp, up);
    // threads thinner than a pixel average to the blended colour
    col = mix(col, 0.5 * (warp + weft), smoothstep(0.5, 1.5, px / ts));
    vec2 f = fract(t) - 0.5;
    col *= 1.0 - 0.18 * (up > 0.5 ? f.x * f.x : f.y * f.y) * 4.0 * (1.0 - smoothstep(0.5, 1.5, px / ts));
    return col;
}
