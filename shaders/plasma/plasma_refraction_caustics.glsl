// name: plasma_refraction_caustics
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x wave seed, uP0.y wave number, uP0.z refraction depth, uP0.w rotation, uP1+uP2 palette, uP3.x brightness, uP3.y floor colour, uP3.z wave count 3..5, uP3.w speed

// Pool-floor caustics from first principles: light refracted by a wavy surface h(x) lands at
// x + s grad h(x); the brightness is 1 / |det(I + s Hess h)|, the Jacobian of that mapping,
// computed analytically for a sum of sine waves.
vec3 shade(vec2 p) {
    p = rot2(uP0.w * TAU) * p;
    float k = mix(3.0, 8.0, uP0.y);
    float s = mix(0.05, 0.25, uP0.z);
    int n = 3 + int(uP3.z * 3.0);
    mat2 H = mat2(0.0);
    float hsum = 0.0;
    for (int i = 0; i < 5; i++) {
        if (i >= n) break;
        vec3 r = hash32(vec2(float(i) * 1.9, uP0.x * 53.0));
        float a = r.x * TAU;
        vec2 kv = vec2(cos(a), sin(a)) * k * mix(0.6, 1.4, r.y);
        float amp = 1.0 / (float(n) * dot(kv, kv)) * 6.0;
        float ph = dot(kv, p) + r.z * TAU + uTime * mix(0.3, 1.5, uP3.w) * (0.5 + r.y);
        H -= amp * sin(ph) * mat2(kv.x * kv.x, kv.x * kv.y, kv.x * kv.y, kv.y * kv.y);
        hsum += amp * cos(ph);
    }
    mat2 J = mat2(1.0) + s * H * 6.0;
    float det = abs(J[0][0] * J[1][1] - J[0][1] * J[1][0]);
    float I = clamp(1.0 / max(det, 0.05), 0.0, 8.0);
    float v = clamp((I - 0.3) * mix(0.2, 0.5, uP3.x), 0.0, 1.5);
    vec3 floorC = ppalette(0.55 + hsum * 0.2, uP1, uP2) * mix(0.2, 0.6, uP3.y);
    vec3 lightC = mix(vec3(1.0), ppalette(0.1, uP2, uP1), 0.3);
    return clamp(floorC + lightC * v, 0.0, 1.0);
}
