// name: noise_billow_clouds
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cloud scale, uP0.w coverage, uP1.x sky hue, uP1.y saturation, uP1.z sky brightness, uP1.w horizon hue shift, uP2.xyz cloud tint, uP2.w wind angle, uP3.x octaves, uP3.y puffiness, uP3.z sun height, uP3.w stretch

// Billowy noise (sum of |n|) makes puffy clouds; drawn over a vertical sky gradient with a sun.
float billow(vec2 q, int oct) {
    float s = 0.0, a = 0.5;
    mat2 m = rot2(0.5) * 2.0;
    for (int i = 0; i < 7; i++) {
        if (i >= oct) break;
        s += a * abs(2.0 * gnoise(q) - 1.0);
        q = m * q + vec2(1.3, 7.1);
        a *= 0.5;
    }
    return s;
}

vec3 shade(vec2 p) {
    vec3 zenith = hsv2rgb(vec3(uP1.x, mix(0.2, 0.9, uP1.y), mix(0.15, 0.9, uP1.z)));
    vec3 horizon = hsv2rgb(vec3(uP1.x + mix(-0.25, 0.25, uP1.w), mix(0.1, 0.7, uP1.y), mix(0.5, 1.0, uP1.z)));
    vec3 sky = mix(horizon, zenith, smoothstep(-1.2, 1.2, p.y));
    vec2 sun = vec2(mix(-0.8, 0.8, uP2.w), mix(-0.6, 0.9, uP3.z));
    sky += vec3(1.0, 0.85, 0.6) * 0.25 / (1.0 + 30.0 * dot(p - sun, p - sun));
    vec2 q = p * vec2(1.0, mix(1.0, 3.0, uP3.w)) * mix(1.0, 3.0, uP0.z);
    q = rot2((uP2.w - 0.5) * 0.8) * q + uP0.xy * 30.0 + vec2(uTime * 0.05, 0.0);
    int oct = 3 + int(uP3.x * 4.0);
    float b = billow(q, oct);
    float cover = mix(0.06, 0.26, uP0.w);
    float d = smoothstep(cover, cover + mix(0.04, 0.2, uP3.y), b);
    vec3 cloud = mix(vec3(0.95), uP2.xyz, 0.4) * (0.55 + 0.6 * b);
    cloud *= 1.0 - 0.35 * smoothstep(0.0, 1.0, billow(q + vec2(0.15, 0.25), 2));
    return clamp(mix(sky, cloud, d), 0.0, 1.0);
}
