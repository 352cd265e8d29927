// name: strokes_cursive
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x number of rows, uP0.y loop size, uP0.z slant, uP0.w text seed, uP1+uP2 ink and paper colours, uP3.x nib width, uP3.y nib angle, uP3.z ruled paper, uP3.w loop frequency

// signed distance to the parallelogram swept by a broad nib (half vector n) moving from a to b
float nibQuad(vec2 p, vec2 a, vec2 b, vec2 n) {
    vec2 v0 = a - n, v1 = b - n, v2 = b + n, v3 = a + n;
    float o = sign((b.x - a.x) * n.y - (b.y - a.y) * n.x + 1e-7);
    float d = -1e9;
    vec2 e; vec2 q;
    e = v1 - v0; q = p - v0; d = max(d, o * (e.x * q.y - e.y * q.x) / max(length(e), 1e-6) * -1.0);
    e = v2 - v1; q = p - v1; d = max(d, o * (e.x * q.y - e.y * q.x) / max(length(e), 1e-6) * -1.0);
    e = v3 - v2; q = p - v2; d = max(d, o * (e.x * q.y - e.y * q.x) / max(length(e), 1e-6) * -1.0);
    e = v0 - v3; q = p - v3; d = max(d, o * (e.x * q.y - e.y * q.x) / max(length(e), 1e-6) * -1.0);
    // a nib moving along its own direction sweeps no area: bound the quad by the segment's reach
    return max(d, sdSegment(p, a, b) - length(n) - 0.002);
}

// pen position at parameter t; e1 = (cos, sin)(t*fr) and e2 = (cos, sin)(t*0.9 + seed) are advanced
// by the caller with fixed rotations, which is much cheaper than trigonometry on llvmpipe
vec2 pen(float t, vec2 e1, vec2 e2, float sd, float loop, float fr, float slant) {
    // loop heights vary smoothly from one loop to the next (value noise over the loop index)
    float u = t * fr / TAU + hash11(sd) * 3.0;
    float iu = floor(u), fu = smoothstep(0.0, 1.0, fract(u));
    float amp = loop * mix(0.5, 1.3, mix(hash11(sd + iu * 1.7), hash11(sd + iu * 1.7 + 1.7), fu));
    float x = t * 0.13 + amp * 0.6 * e1.x;
    float y = amp * e1.y * (0.7 + 0.3 * e2.y);
    return vec2(x + slant * y, y);
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float rows = floor(mix(1.0, 5.0, uP0.x));
    float rh = 2.0 / rows;
    float row = clamp(floor((1.0 - p.y) / rh), 0.0, rows - 1.0);
    float yc = 1.0 - (row + 0.5) * rh;
    float loop = mix(0.08, 0.3, uP0.y) * rh;
    float fr = mix(2.0, 4.0, uP3.w);
    float slant = mix(-0.2, 0.7, uP0.z);
    float na = mix(-0.3, 1.3, uP3.y);
    vec2 nib = vec2(cos(na), sin(na)) * mix(0.006, 0.035, uP3.x) * (0.6 + rh * 0.4);
    vec2 q = vec2(p.x, p.y - yc);
    // only the stretch of the line near this pixel matters: start the path a little to the left
    // only the stretch of the line near this pixel matters; start on a fixed lattice of t so that
    // neighbouring pixels trace the same polyline
    float tp = (q.x + 1.9) / 0.13;
    float t0 = floor((tp - 2.6) / 0.8) * 0.8;
    float sd = uP0.w * 29.0 + row * 13.0;
    vec2 e1 = vec2(cos(t0 * fr), sin(t0 * fr));
    vec2 e2 = vec2(cos(t0 * 0.9 + sd), sin(t0 * 0.9 + sd));
    mat2 r1 = rot2(0.16 * fr), r2 = rot2(0.144);
    float d = 1e9;
    vec2 prev = pen(t0, e1, e2, sd, loop, fr, slant) - vec2(1.9, 0.0);
    for (int k = 1; k <= 32; k++) {
        float t = t0 + float(k) * 0.16;
        e1 = r1 * e1;
        e2 = r2 * e2;
        vec2 cur = pen(t, e1, e2, sd, loop, fr, slant) - vec2(1.9, 0.0);
        d = min(d, nibQuad(q, prev, cur, nib) - 0.0015);
        prev = cur;
    }
    vec3 paper = mix(vec3(0.96, 0.94, 0.86), ppalette(0.2, uP2, uP1) * 0.5 + 0.5, 0.6);
    vec3 ink = ppalette(0.7, uP1, uP2) * 0.4;
    if (uP3.z > 0.5) paper = mix(paper, paper * vec3(0.6, 0.7, 0.95), smoothstep(0.006 + px, 0.006 - px, abs(q.y + loop * 0.9)));
    return mix(paper, ink, smoothstep(px, -px, d));
}
