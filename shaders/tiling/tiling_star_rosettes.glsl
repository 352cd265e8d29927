// name: tiling_star_rosettes
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x star order (6, 8, 12), uP3.y star sharpness, uP3.z band width, uP3.w square or hexagonal lattice

// Geometric star rosettes on a square or hexagonal lattice: a polar fold into 2n wedges reduces
// the star's edges to one line, drawn as an interlaced band; the ring between stars is filled.
vec4 hexCell(vec2 p) {
    const vec2 s = vec2(1.0, 1.7320508);
    vec4 hc = floor(vec4(p, p - vec2(0.5, 0.8660254)) / s.xyxy) + 0.5;
    vec4 h = vec4(p - hc.xy * s, p - (hc.zw + 0.5) * s);
    return dot(h.xy, h.xy) < dot(h.zw, h.zw) ? vec4(h.xy, hc.xy) : vec4(h.zw, hc.zw + 0.5);
}

vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 20.0;
    vec2 l, id;
    float n;
    if (uP3.w > 0.5) {
        vec4 h = hexCell(q);
        l = h.xy;
        id = h.zw;
        n = uP3.x < 0.5 ? 6.0 : 12.0;
    } else {
        id = floor(q);
        l = fract(q) - 0.5;
        n = uP3.x < 0.5 ? 8.0 : 16.0;
    }
    float wedge = PI / n;
    float a = abs(mod(atan(l.y, l.x) + wedge, 2.0 * wedge) - wedge);
    vec2 f = length(l) * vec2(cos(a), sin(a));
    // One edge of the star: a line through the tip (R, 0) at angle beta from the radius.
    float R = 0.5;
    float beta = mix(0.25 * PI, 0.45 * PI, uP3.y);
    vec2 dir = vec2(-cos(beta), sin(beta));
    float d = abs(dot(f - vec2(R, 0.0), vec2(dir.y, -dir.x)));
    float w = mix(0.015, 0.05, uP3.z);
    float band = 1.0 - smoothstep(w, w + 0.012, d);
    float outline = 1.0 - smoothstep(0.005, 0.012, abs(d - w));
    float inside = step(dot(f - vec2(R, 0.0), vec2(dir.y, -dir.x)), 0.0);
    vec3 fill = mix(ppalette(0.2 + 0.1 * hash12(id), uP1, uP2), ppalette(0.6, uP1, uP2), inside);
    vec3 col = mix(fill, ppalette(0.9, uP2, uP1) * 1.2, band);
    return clamp(mix(col, vec3(0.03), outline), 0.0, 1.0);
}
