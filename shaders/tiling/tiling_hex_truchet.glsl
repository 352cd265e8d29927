// name: tiling_hex_truchet
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x tube width, uP3.y tube shading, uP3.z background, uP3.w colour per tile or per tube

// Hexagonal Truchet tiles: three arcs around alternate corners join the six edge midpoints in
// pairs; random rotations of the tile link them into endless winding tubes.
vec4 hexCell(vec2 p) {
    const vec2 s = vec2(1.0, 1.7320508);
    vec4 hc = floor(vec4(p, p - vec2(0.5, 0.8660254)) / s.xyxy) + 0.5;
    vec4 h = vec4(p - hc.xy * s, p - (hc.zw + 0.5) * s);
    return dot(h.xy, h.xy) < dot(h.zw, h.zw) ? vec4(h.xy, hc.xy) : vec4(h.zw, hc.zw + 0.5);
}

vec3 shade(vec2 p) {
    float sc = mix(1.2, 3.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec4 h = hexCell(q);
    vec2 l = h.xy;
    float id = hash12(h.zw * 1.7 + 3.0);
    if (id > 0.5) l = rot2(PI / 3.0) * l;
    // Corners of a pointy-top hex with apothem 0.5 lie at radius 1/sqrt(3), angles 30 + 60k.
    float R = 0.57735, r = 0.288675;
    float d = 1e3, which = 0.0;
    for (int k = 0; k < 3; k++) {
        float a = PI / 6.0 + float(k) * TAU / 3.0;
        float dk = abs(length(l - R * vec2(cos(a), sin(a))) - r);
        if (dk < d) { d = dk; which = float(k); }
    }
    float w = mix(0.05, 0.15, uP3.x);
    float tube = 1.0 - smoothstep(w, w + 0.02, d);
    float prof = sqrt(max(1.0 - (d / w) * (d / w), 0.0));
    vec3 tc = ppalette(uP3.w > 0.5 ? id : which * 0.15 + 0.2, uP1, uP2) * mix(1.0, 0.3 + 0.8 * prof, uP3.y);
    vec3 bg = ppalette(0.8, uP2, uP1) * mix(0.05, 0.6, uP3.z);
    return clamp(mix(bg, tc, tube), 0.0, 1.0);
}
