// name: textile_chevron
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x zigzag period, uP0.y zigzag amplitude, uP0.z stripe count per repeat, uP0.w rotation, uP1+uP2 palette, uP3.x rounded (wave) vs sharp zigzag, uP3.y stripe width spread, uP3.z colour count, uP3.w repeat height

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(floor(uP0.w * 4.0) * PI * 0.5 + (fract(uP0.w * 4.0) - 0.5) * 0.4) * p;
    float per = mix(0.2, 1.0, uP0.x);
    float amp = mix(0.05, 0.5, uP0.y) * per;
    float tri = abs(fract(p.x / per) - 0.5) * 2.0;       // 0..1 triangle wave
    float wav = 0.5 - 0.5 * cos(p.x / per * TAU);
    float z = mix(tri, wav, step(0.6, uP3.x));
    float y = p.y - amp * 2.0 * z;
    float rep = mix(0.3, 1.4, uP3.w);
    float u = fract(y / rep + 10.0);
    float k = floor(mix(2.0, 7.0, uP0.z));
    float total = 0.0;
    for (int i = 0; i < 7; i++) { if (float(i) >= k) break; total += mix(1.0, 0.2 + 1.6 * hash11(float(i) * 2.3 + uP0.w * 9.0), uP3.y); }
    float acc = 0.0, id = 0.0, e = 1.0;
    for (int i = 0; i < 7; i++) {
        if (float(i) >= k) break;
        float w = mix(1.0, 0.2 + 1.6 * hash11(float(i) * 2.3 + uP0.w * 9.0), uP3.y) / total;
        if (u >= acc && u < acc + w) { id = float(i); e = min(u - acc, acc + w - u); }
        acc += w;
    }
    float nc = floor(mix(2.0, 5.0, uP3.z));
    vec3 col = ppalette(mod(id, nc) / nc, uP1, uP2);
    // slope makes the stripes thinner across y: antialias in y units
    float fw = px * (1.0 + 4.0 * amp / per) / rep;
    vec3 prevCol = ppalette(mod(id + nc - 1.0, nc) / nc, uP1, uP2);
    return mix(col, 0.5 * (col + prevCol), smoothstep(fw, 0.0, e) * 0.5);
}
