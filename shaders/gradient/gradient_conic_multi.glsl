// name: gradient_conic_multi
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x centre count, uP0.y stop count, uP0.z angular repeats, uP0.w layout seed, uP1 hue base and spread, uP2 value and saturation, uP3.x blend sharpness between centres, uP3.y hard stops, uP3.z swirl, uP3.w rotation

vec3 stopC(float i, float k) {
    float h = hash11(mod(i, k) * 3.17 + uP0.w * 19.0);
    return hsv2rgb(vec3(fract(uP1.x + h * mix(0.2, 1.0, uP1.y)), mix(0.2, 1.0, uP2.x * 0.5 + h * 0.5), mix(0.35, 1.0, fract(uP2.y + h * 5.1))));
}

vec3 shade(vec2 p) {
    int n = 1 + int(uP0.x * 4.0);
    float k = floor(mix(3.0, 7.0, uP0.y));
    float reps = floor(mix(1.0, 4.0, uP0.z));
    vec3 acc = vec3(0.0);
    float wsum = 0.0;
    for (int i = 0; i < 5; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec2 c = (hash22(vec2(fi, uP0.w * 29.0)) * 2.0 - 1.0) * vec2(1.2, 0.85);
        if (n == 1) c *= 0.3;
        vec2 q = p - c;
        float r = length(q);
        float a = atan(q.y, q.x) / TAU + 0.5 + uP3.w + uP3.z * r * 0.8 + hash11(fi + uP0.w);
        float u = fract(a * reps) * k;
        float j = floor(u), f = fract(u);
        f = mix(smoothstep(0.0, 1.0, f), step(0.5, f), step(0.6, uP3.y));
        vec3 col = mix(stopC(j + fi * 2.0, k), stopC(j + 1.0 + fi * 2.0, k), f);
        float w = pow(1.0 / (r + 0.05), mix(1.0, 6.0, uP3.x));
        acc += col * w;
        wsum += w;
    }
    return acc / wsum;
}
