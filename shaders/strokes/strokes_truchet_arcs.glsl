// name: strokes_truchet_arcs
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x grid scale, uP0.y line width, uP0.z arcs vs diagonals, uP0.w seed, uP1+uP2 palette, uP3.x two-tone region fill, uP3.y rotation, uP3.z line count per tile, uP3.w background dark/light

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.y * TAU) * p;
    float sc = mix(2.5, 9.0, uP0.x);
    vec2 q = p * sc + uP0.w * 50.0;
    vec2 id = floor(q), f = fract(q) - 0.5;
    float h = hash12(id + uP0.w * 7.0);
    if (h > 0.5) f.x = -f.x;
    float d, side;
    if (hash12(id * 1.3 + 4.0) < uP0.z) {
        // two quarter arcs around opposite corners
        float d1 = length(f - 0.5) - 0.5, d2 = length(f + 0.5) - 0.5;
        d = min(abs(d1), abs(d2));
        side = (d1 < 0.0 || d2 < 0.0) ? 1.0 : 0.0;
    } else {
        float d1 = (f.x + f.y) * 0.7071;
        d = abs(d1);
        side = step(0.0, d1);
    }
    // region parity makes the two sides of the curve network two-colourable
    float par = mod(id.x + id.y, 2.0);
    side = abs(side - par);
    if (h > 0.5) side = 1.0 - side;
    float lines = floor(mix(1.0, 4.0, uP3.z));
    float w = mix(0.03, 0.16, uP0.y) / lines;
    float dl = d;
    if (lines > 1.0) dl = abs(fract(d * lines * 2.0 + 0.5) - 0.5) / (lines * 2.0);
    dl = lines > 1.0 && d > 0.5 / lines * (lines - 0.5) ? d : dl;
    float fw = px * sc;
    vec3 bg = mix(vec3(0.04), vec3(0.95), uP3.w);
    vec3 fillc = mix(bg, ppalette(side * 0.5 + 0.1, uP1, uP2), uP3.x);
    vec3 ink = ppalette(0.75, uP2, uP1);
    return mix(fillc, ink, smoothstep(w + fw, w - fw, dl));
}
