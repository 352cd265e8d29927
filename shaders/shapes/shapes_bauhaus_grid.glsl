// name: shapes_bauhaus_grid
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x grid size, uP0.y motif mix, uP0.z palette size, uP0.w seed, uP1+uP2 palette, uP3.x gap between tiles, uP3.y muted vs vivid, uP3.z rotation, uP3.w motif scale

vec3 pick(float h, float k) {
    return ppalette(floor(h * k) / k, uP1, uP2);
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(floor(uP3.z * 4.0) * PI * 0.5 + (uP3.z - 0.5) * 0.2) * p;
    float g = floor(mix(2.0, 7.0, uP0.x));
    vec2 x = p * g * 0.5 + uP0.w * 11.0;
    vec2 id = floor(x), f = fract(x) - 0.5;
    vec3 h = hash32(id + uP0.w * 3.0);
    float k = floor(mix(3.0, 6.0, uP0.z));
    vec3 bgc = pick(h.x, k);
    vec3 fgc = pick(fract(h.x + 1.0 / k + h.y * 0.5), k);
    // rotate the tile by a multiple of 90 degrees
    float r = floor(h.z * 4.0);
    f = r < 1.0 ? f : r < 2.0 ? vec2(-f.y, f.x) : r < 3.0 ? -f : vec2(f.y, -f.x);
    float m = floor(hash12(id * 1.7 + 2.0) * mix(2.0, 6.0, uP0.y));
    float s = mix(0.35, 0.5, uP3.w);
    float d;
    if (m < 1.0) d = length(f + 0.5) - 2.0 * s;                 // quarter circle from a corner
    else if (m < 2.0) d = max(length(f - vec2(0.0, -0.5)) - s, -f.y - 0.5); // half disc on an edge
    else if (m < 3.0) d = length(f) - s * 0.8;                  // disc
    else if (m < 4.0) d = (f.x + f.y) * 0.7071;                 // diagonal split
    else if (m < 5.0) d = abs(length(f) - s * 0.6) - s * 0.2;   // ring
    else d = max(abs(f.x) - 0.5, f.y + f.x * 1.0 - 0.0);        // right triangle
    float fw = px * g * 0.5;
    vec3 col = mix(bgc, fgc, smoothstep(fw, -fw, d));
    float lum = dot(col, vec3(0.3, 0.59, 0.11));
    col = mix(mix(vec3(lum), col, 0.5) * 0.9 + 0.05, col, uP3.y);
    float gap = uP3.x * 0.06;
    vec2 ef = 0.5 - abs(fract(x) - 0.5);
    col = mix(mix(vec3(0.95), vec3(0.05), step(0.5, h.y)), col, smoothstep(gap, gap + fw, min(ef.x, ef.y)) + step(gap, 0.0));
    return clamp(col, 0.0, 1.0);
}
