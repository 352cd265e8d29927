// name: flow_topographic
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x terrain scale, uP0.y contour interval, uP0.z octaves, uP0.w seed, uP1+uP2 hypsometric palette, uP3.x hillshade, uP3.y index contour every n, uP3.z sea level, uP3.w tint vs paper map

float terrain(vec2 p, int oct) { return fbm(p, oct) * 1.6 - 0.3; }

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float sc = mix(0.5, 1.5, uP0.x);
    vec2 q = p * sc + uP0.w * 30.0;
    int oct = 2 + int(uP0.z * 3.0);
    float h = terrain(q, oct);
    float e = 0.01;
    float hx = terrain(q + vec2(e, 0.0), oct), hy = terrain(q + vec2(0.0, e), oct);
    vec3 n = normalize(vec3(h - hx, h - hy, e * mix(1.0, 0.3, uP3.x)));
    float shadeL = clamp(dot(n, normalize(vec3(-1.0, 1.0, 1.2))), 0.0, 1.0);
    float ci = mix(0.06, 0.16, uP0.y);
    float u = h / ci;
    float fw = fwidth(u);
    float line = 1.0 - smoothstep(0.0, fw * 1.2, min(fract(u), 1.0 - fract(u)));
    float every = floor(mix(3.0, 6.0, uP3.y));
    float idx = 1.0 - smoothstep(0.0, fw * 2.2, abs(mod(u + 0.5, every) - 0.5));
    float sea = mix(0.05, 0.55, uP3.z);
    vec3 land = uP3.w < 0.5 ? ppalette(h * 0.8, uP1, uP2) : vec3(0.95, 0.93, 0.85);
    vec3 water = mix(vec3(0.2, 0.4, 0.7), ppalette(0.6, uP2, uP1), 0.3) * (0.8 + 0.4 * (h - sea + 0.3));
    vec3 col = h < sea ? water : land;
    col *= mix(1.0, 0.55 + 0.6 * shadeL, uP3.x);
    vec3 ink = uP3.w < 0.5 ? col * 0.35 : vec3(0.55, 0.35, 0.2);
    if (h >= sea) col = mix(col, ink, max(line * 0.7, idx));
    else col = mix(col, col * 0.7, line * 0.5);
    return clamp(col, 0.0, 1.0);
}
