// name: textile_stripes
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x stripes per repeat, uP0.y repeat width, uP0.z stripe width spread, uP0.w seed, uP1+uP2 palette, uP3.x direction, uP3.y pinstripe, uP3.z fabric texture, uP3.w colour count

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float ang = floor(uP3.x * 4.0) * PI * 0.25 + (fract(uP3.x * 4.0) - 0.5) * 0.3;
    vec2 q = rot2(ang) * p;
    float k = floor(mix(2.0, 8.0, uP0.x));
    float rep = mix(0.3, 2.0, uP0.y);
    float u = fract(q.x / rep + uP0.w * 3.0) ;
    // stripe edges: cumulative random widths normalised to the repeat
    float total = 0.0;
    for (int i = 0; i < 8; i++) { if (float(i) >= k) break; total += mix(1.0, 0.1 + 2.0 * hash11(float(i) + uP0.w * 17.0), uP0.z); }
    float acc = 0.0, id = 0.0, edgeD = 1.0;
    for (int i = 0; i < 8; i++) {
        if (float(i) >= k) break;
        float w = mix(1.0, 0.1 + 2.0 * hash11(float(i) + uP0.w * 17.0), uP0.z) / total;
        if (u >= acc && u < acc + w) { id = float(i); edgeD = min(u - acc, acc + w - u); }
        acc += w;
    }
    float nc = floor(mix(2.0, 6.0, uP3.w));
    vec3 col = ppalette(mod(id, nc) / nc + 0.05, uP1, uP2);
    if (uP3.y > 0.6) col = mix(col, vec3(0.95), smoothstep(0.004 * rep + px, 0.0, edgeD * rep) * 0.8);
    float tex = vnoise(q * vec2(40.0, 180.0)) * 0.5 + vnoise(q * vec2(180.0, 40.0)) * 0.5;
    col *= 1.0 - uP3.z * 0.25 * tex;
    return col;
}
