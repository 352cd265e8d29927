// name: organic_wood
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x ring density, uP0.y ring distortion, uP0.z knot count, uP0.w seed, uP1+uP2 palette, uP3.x grain direction, uP3.y plank count, uP3.z fine grain, uP3.w cut (end grain vs flat sawn)

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    p = rot2(uP3.x * PI) * p;
    float planks = floor(uP3.y * 4.0);
    float pid = 0.0;
    vec2 q = p;
    if (planks > 0.0) {
        float pw = 2.0 / (planks + 1.0);
        pid = floor(q.y / pw);
        q.y = fract(q.y / pw) * pw;
    }
    float seed = uP0.w * 17.0 + pid * 5.3;
    // knots bend the rings around themselves
    int nk = int(uP0.z * 4.0);
    for (int k = 0; k < 4; k++) {
        if (k >= nk) break;
        vec2 kc = (hash22(vec2(seed, float(k))) - 0.5) * vec2(3.0, 1.5);
        vec2 d = q - kc;
        q += d * 0.12 / (dot(d, d) * 8.0 + 0.1);
    }
    float dens = mix(1.5, 7.0, uP0.x);
    float dist = mix(0.05, 0.6, uP0.y);
    float r;
    if (uP3.w < 0.3) r = length(q - vec2(hash11(seed) - 0.5, -1.5 + hash11(seed + 1.0) * 0.8));   // end grain
    else r = q.y * 1.5 + 0.3 * sin(q.x * 1.3 + seed) + hash11(seed + 2.0);                       // flat sawn
    r += dist * fbm(q * vec2(0.8, 3.0) + seed, 4);
    float ring = fract(r * dens);
    float late = smoothstep(0.55, 0.95, ring) * smoothstep(1.0, 0.92, ring);
    float fine = uP3.z * (vnoise(q * vec2(3.0, 40.0) + seed) - 0.5);
    vec3 early = ppalette(0.08, uP1, uP2) * 0.5 + vec3(0.45, 0.3, 0.15);
    vec3 latec = early * mix(0.35, 0.7, hash11(seed + 3.0));
    vec3 col = mix(early, latec, late) * (1.0 + 0.25 * fine) * mix(0.6, 1.1, hash11(pid + uP0.w));
    if (planks > 0.0) col *= smoothstep(0.0, 0.015, min(q.y, 2.0 / (planks + 1.0) - q.y)) * 0.7 + 0.3;
    return clamp(col, 0.0, 1.0);
}
