// name: strokes_scribble
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x turning rate, uP0.y step length, uP0.z second scribble's step scale, uP0.w seed, uP1+uP2 palette, uP3.x line width, uP3.y pull to centre, uP3.z paper tone, uP3.w colour drift along path

// four samples of this draw's palette, taken once per pixel: ppalette costs three cosines,
// which is slow on a software rasteriser inside a loop; pal() interpolates the samples cyclically
vec3 gPal0, gPal1, gPal2, gPal3;
void setupPal(vec4 q, vec4 r) {
    gPal0 = ppalette(0.0, q, r); gPal1 = ppalette(0.25, q, r);
    gPal2 = ppalette(0.5, q, r); gPal3 = ppalette(0.75, q, r);
}
vec3 pal(float t) {
    float u = fract(t) * 4.0;
    vec3 c = mix(gPal0, gPal1, clamp(u, 0.0, 1.0));
    c = mix(c, gPal2, clamp(u - 1.0, 0.0, 1.0));
    c = mix(c, gPal3, clamp(u - 2.0, 0.0, 1.0));
    return mix(c, gPal0, clamp(u - 3.0, 0.0, 1.0));
}

vec3 shade(vec2 p) {
    setupPal(uP1, uP2);
    float px = 2.0 / uRes.y;
    float turn = mix(0.3, 1.6, uP0.x);
    float stepLen = mix(0.1, 0.32, uP0.y);
    float w = mix(0.015, 0.055, uP3.x);
    float pull = mix(0.1, 1.5, uP3.y);
    vec3 paper = mix(vec3(0.05, 0.05, 0.07), vec3(0.97, 0.95, 0.9), uP3.z);
    vec3 col = paper;
    // two scribbles: each 24-step walk costs about as much as the whole budget allows
    for (int j = 0; j < 2; j++) {
        float sl = j == 0 ? stepLen : stepLen * mix(0.5, 1.5, uP0.z);
        float sd = uP0.w * 77.0 + float(j) * 31.7;
        vec2 pos = (hash22(vec2(sd, 0.5)) * 2.0 - 1.0) * 0.8;
        float a0 = hash11(sd) * TAU;
        vec2 dir = vec2(cos(a0), sin(a0));
        float best = 1e9, bt = 0.0;
        for (int k = 0; k < 24; k++) {
            float fk = float(k);
            // turn by a random amount (small-angle rotation) and steer back toward the frame centre
            dir += vec2(-dir.y, dir.x) * (hash11(sd + fk * 1.618) - 0.5) * 2.0 * turn - pull * pos * 0.5;
            dir = normalize(dir);
            vec2 np = pos + dir * sl;
            float d = sdSegment(p, pos, np);
            if (d < best) { best = d; bt = fk / 24.0; }
            pos = np;
        }
        vec3 c = pal(float(j) * 0.31 + bt * uP3.w);
        if (uP3.z > 0.5) c *= 0.75;
        col = mix(col, c, smoothstep(w + px, w - px, best));
    }
    return col;
}
