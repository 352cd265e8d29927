// name: strokes_scribble
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x turning rate, uP0.y step length, uP0.z number of scribbles, uP0.w seed, uP1+uP2 palette, uP3.x line width, uP3.y pull to centre, uP3.z paper tone, uP3.w colour drift along path

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float turn = mix(0.3, 1.6, uP0.x);
    float stepLen = mix(0.09, 0.3, uP0.y);
    int m = 2 + int(uP0.z * 2.0);
    float w = mix(0.01, 0.05, uP3.x * uP3.x);
    float pull = mix(0.1, 1.5, uP3.y);
    vec3 paper = mix(vec3(0.05, 0.05, 0.07), vec3(0.97, 0.95, 0.9), uP3.z);
    vec3 col = paper;
    for (int j = 0; j < 3; j++) {
        if (j >= m) break;
        float sd = uP0.w * 77.0 + float(j) * 31.7;
        vec2 pos = (hash22(vec2(sd, 0.5)) * 2.0 - 1.0) * 0.8;
        float a0 = hash11(sd) * TAU;
        vec2 dir = vec2(cos(a0), sin(a0));
        float best = 1e9, bt = 0.0;
        for (int k = 0; k < 28; k++) {
            float fk = float(k);
            // turn by a random amount (small-angle rotation) and steer back toward the frame centre
            dir += vec2(-dir.y, dir.x) * (hash11(sd + fk * 1.618) - 0.5) * 2.0 * turn - pull * pos * 0.5;
            dir = normalize(dir);
            vec2 np = pos + dir * stepLen;
            float d = sdSegment(p, pos, np);
            if (d < best) { best = d; bt = fk / 28.0; }
            pos = np;
        }
        vec3 c = ppalette(float(j) * 0.31 + bt * uP3.w, uP1, uP2);
        if (uP3.z > 0.5) c *= 0.75;
        col = mix(col, c, smoothstep(w + px, w - px, best));
    }
    return col;
}
