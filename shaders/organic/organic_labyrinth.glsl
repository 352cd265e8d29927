// name: organic_labyrinth
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x wavelength, uP0.y threshold (spots / labyrinth / holes), uP0.z domain warp, uP0.w wave seed, uP1+uP2 palette, uP3.x edge rim, uP3.y anisotropy, uP3.z rotation, uP3.w shading relief

// a band-limited random field: sum of plane waves of one wavelength, the look of a Turing pattern
float field(vec2 p, float k, float seed, float aniso) {
    float s = 0.0;
    for (int i = 0; i < 9; i++) {
        float fi = float(i);
        float a = (fi + hash11(seed + fi) * 0.8) / 9.0 * PI * (1.0 - aniso * 0.8);
        s += cos(dot(p, vec2(cos(a), sin(a))) * k + hash11(seed * 3.1 + fi * 7.7) * TAU);
    }
    return s / 2.12;
}

vec3 shade(vec2 p) {
    p = rot2(uP3.z * TAU) * p;
    float k = mix(9.0, 26.0, uP0.x);
    vec2 w = vec2(gnoise(p * 1.3 + uP0.w * 9.0), gnoise(p * 1.3 + 17.0 + uP0.w * 9.0)) - 0.5;
    vec2 q = p + w * mix(0.0, 1.2, uP0.z);
    float v = field(q, k, uP0.w * 101.0, uP3.y);
    float th = mix(-1.3, 1.3, uP0.y);
    float e = v - th;
    float fw = fwidth(e) + 1e-4;
    float m = smoothstep(-fw, fw, e);
    vec3 ca = ppalette(0.1 + 0.2 * w.x, uP1, uP2);
    vec3 cb = ppalette(0.6 + 0.2 * w.y, uP2, uP1);
    vec3 col = mix(ca, cb, m);
    col *= mix(1.0, 0.6 + 0.4 * smoothstep(0.0, 1.2, abs(e)), uP3.w);
    col = mix(col, col * 0.3, uP3.x * (1.0 - smoothstep(0.0, 0.25 + fw, abs(e))));
    return col;
}
