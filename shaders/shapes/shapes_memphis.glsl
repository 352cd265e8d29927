// name: shapes_memphis
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x grid density, uP0.y motif size, uP0.z empty-cell share, uP0.w seed, uP1+uP2 palette, uP3.x outline weight, uP3.y background pastel tone, uP3.z jitter, uP3.w squiggle frequency

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float g = mix(1.4, 3.2, uP0.x);
    vec2 x = p * g + uP0.w * 7.0;
    vec2 id = floor(x);
    vec2 f = fract(x) - 0.5;
    vec3 h = hash32(id + uP0.w * 13.0);
    f -= (h.xy - 0.5) * 0.3 * uP3.z;
    f = rot2(floor(h.z * 8.0) * PI * 0.25) * f;
    float s = mix(0.28, 0.42, uP0.y);
    float type = floor(hash12(id + 5.0) * 5.0);
    float d;
    if (type < 1.0) {                       // squiggle
        float fq = mix(8.0, 16.0, uP3.w);
        d = max(abs(f.y - 0.08 * sin(f.x * fq)) - 0.06, abs(f.x) - s);
    } else if (type < 2.0) {                // zigzag
        float z = abs(fract(f.x * 3.0) - 0.5) * 0.3 - 0.075;
        d = max(abs(f.y - z) - 0.045, abs(f.x) - s);
    } else if (type < 3.0) {                // triangle
        d = max(abs(f.x) * 0.866 + f.y * 0.5, -f.y) - s * 0.45;
    } else if (type < 4.0) {                // dot cluster
        vec2 gg = fract(f * 4.0 + 0.5) - 0.5;
        d = max(length(gg) / 4.0 - 0.05, sdBox(f, vec2(s * 0.8)));
    } else {                                // half ring
        d = max(abs(length(f) - s * 0.7) - 0.06, -f.y);
    }
    if (hash12(id * 3.1) < uP0.z * 0.5) d = 1.0;
    vec3 bg = mix(ppalette(0.1, uP1, uP2), vec3(1.0), mix(0.4, 0.85, uP3.y));
    vec3 c = ppalette(h.z + 0.3, uP1, uP2);
    float fw = px * g;
    float ow = mix(0.0, 0.04, uP3.x);
    vec3 col = mix(bg, vec3(0.05), smoothstep(fw, -fw, d - ow));
    return mix(col, c, smoothstep(fw, -fw, d));
}
