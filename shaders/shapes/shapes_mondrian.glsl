// name: shapes_mondrian
// family: shapes
// licence: MIT (shaderkd project)
// params: uP0.x split depth, uP0.y split position spread, uP0.z coloured cell share, uP0.w seed, uP1+uP2 palette (uP1.w < 0.5 classic primaries), uP3.x line width, uP3.y line colour, uP3.z rotation, uP3.w paper tint

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2((uP3.z - 0.5) * 0.6) * p;
    vec2 lo = vec2(-2.0, -1.5), hi = vec2(2.0, 1.5);
    int depth = 3 + int(uP0.x * 6.0);
    float id = uP0.w * 17.0;
    for (int i = 0; i < 9; i++) {
        if (i >= depth) break;
        vec2 sz = hi - lo;
        float h = hash11(id * 1.618 + float(i) * 0.37);
        float t = mix(0.5, mix(0.2, 0.8, hash11(id + 3.3)), uP0.y);
        bool vertical = sz.x > sz.y * mix(0.6, 1.6, h);
        if (vertical) {
            float s = mix(lo.x, hi.x, t);
            if (p.x < s) { hi.x = s; id = id * 2.0 + 1.0; } else { lo.x = s; id = id * 2.0 + 2.0; }
        } else {
            float s = mix(lo.y, hi.y, t);
            if (p.y < s) { hi.y = s; id = id * 2.0 + 3.0; } else { lo.y = s; id = id * 2.0 + 4.0; }
        }
        id = fract(id * 0.0137) * 1000.0;
    }
    float edge = min(min(p.x - lo.x, hi.x - p.x), min(p.y - lo.y, hi.y - p.y));
    float lw = mix(0.008, 0.04, uP3.x);
    float h = hash11(id);
    vec3 paper = mix(vec3(0.95, 0.94, 0.9), ppalette(0.0, uP2, uP1) * 0.3 + 0.7, uP3.w);
    vec3 c = paper;
    if (h < uP0.z * 0.6) {
        float k = floor(hash11(id + 5.0) * 4.0);
        vec3 classic = k < 1.0 ? vec3(0.85, 0.1, 0.1) : k < 2.0 ? vec3(0.1, 0.2, 0.7) : k < 3.0 ? vec3(0.95, 0.8, 0.1) : vec3(0.08);
        c = uP1.w < 0.5 ? classic : ppalette(k / 4.0, uP1, uP2);
    }
    vec3 line = mix(vec3(0.02), ppalette(0.5, uP2, uP1) * 0.5, uP3.y);
    return mix(c, line, smoothstep(lw + px, lw - px, edge));
}
