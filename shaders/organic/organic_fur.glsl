// name: organic_fur
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x hair length, uP0.y hair density, uP0.z flow curliness, uP0.w seed, uP1+uP2 palette, uP3.x tabby stripes, uP3.y flow base angle, uP3.z light/dark coat, uP3.w undercoat contrast

vec3 shade(vec2 p) {
    vec2 q = p + uP0.w * 23.0;
    // local hair direction from low-frequency noise (whorls)
    float ang = uP3.y * TAU + mix(0.5, 5.0, uP0.z) * (fbm(q * 0.7, 2) - 0.5);
    vec2 dir = vec2(cos(ang), sin(ang));
    float len = mix(0.04, 0.2, uP0.x);
    float den = mix(25.0, 60.0, uP0.y);
    // average fine noise along the hair direction: each hair is a short streak
    float acc = 0.0;
    for (int k = 0; k < 8; k++) {
        float t = (float(k) / 7.0 - 0.5) * len;
        acc += gnoise((q + dir * t) * den);
    }
    float streak = clamp(0.5 + (acc / 8.0 - 0.5) * 4.0 + 0.5 * (vnoise(q * 7.0) - 0.5), 0.0, 1.0);
    vec3 base = ppalette(0.1, uP1, uP2) * mix(0.35, 1.0, uP3.z);
    vec3 tip = mix(base * 1.6 + 0.1, base * 0.3, step(0.5, uP3.w));
    float stripes = uP3.x > 0.65 ? smoothstep(0.3, 0.7, sin(dot(q, vec2(cos(ang + 1.57), sin(ang + 1.57))) * mix(3.0, 7.0, uP3.x) + fbm(q * 2.0, 2) * 4.0) * 0.5 + 0.5) : 0.0;
    vec3 col = mix(base, tip, smoothstep(0.2, 0.8, streak) * mix(0.5, 1.0, uP3.w));
    col = mix(col, col * ppalette(0.6, uP2, uP1) * 0.4, stripes * 0.6);
    return clamp(col, 0.0, 1.0);
}
