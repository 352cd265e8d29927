// name: noise_curl_streaks
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z flow scale, uP0.w streak length, uP1+uP2 palette, uP3.x streak fineness, uP3.y colour by angle or potential, uP3.z contrast, uP3.w rotation

// Line-integral convolution along a curl-noise flow: fine noise is averaged along streamlines
// of a divergence-free field, so the image shows the flow as hair-like streaks.
vec2 curl(vec2 q) {
    float e = 0.03;
    float n = vnoise(q);
    float nx = vnoise(q + vec2(e, 0.0));
    float ny = vnoise(q + vec2(0.0, e));
    vec2 g = vec2(nx - n, ny - n) / e;
    return vec2(g.y, -g.x) / (length(g) + 1e-4);
}

vec3 shade(vec2 p) {
    float s = mix(0.6, 2.0, uP0.z);
    vec2 q0 = rot2(uP3.w * TAU) * p * s + uP0.xy * 20.0;
    float h = mix(0.03, 0.08, uP0.w);
    float fine = mix(8.0, 20.0, uP3.x);
    float acc = 0.0;
    vec2 a = q0, b = q0;
    for (int i = 0; i < 8; i++) {
        a += curl(a) * h;
        b -= curl(b) * h;
        acc += vnoise(a * fine) + vnoise(b * fine);
    }
    acc /= 16.0;
    acc = clamp((acc - 0.5) * mix(2.0, 6.0, uP3.z) + 0.5, 0.0, 1.0);
    vec2 v = curl(q0);
    float key = uP3.y > 0.5 ? atan(v.y, v.x) / TAU : gnoise(q0) * 1.5;
    vec3 col = ppalette(key, uP1, uP2);
    return col * (0.2 + 0.9 * acc);
}
