// name: noise_warp_of_warp
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z zoom, uP0.w warp strength, uP1+uP2 palette, uP3.x octaves, uP3.y second palette offset, uP3.z rotation, uP3.w brightness curve

// Domain warping twice over (fbm of fbm of fbm), coloured from the intermediate warp vectors.
vec3 shade(vec2 p) {
    float zoom = mix(0.5, 2.0, uP0.z);
    vec2 x = rot2(uP3.z * TAU) * p * zoom + uP0.xy * 20.0;
    int oct = 3 + int(uP3.x * 3.0);
    float k = mix(1.5, 6.0, uP0.w);
    float t = uTime * 0.03;
    vec2 q = vec2(fbm(x + vec2(0.0, t), oct), fbm(x + vec2(5.2, 1.3), oct));
    vec2 r = vec2(fbm(x + k * q + vec2(1.7, 9.2), oct), fbm(x + k * q + vec2(8.3, 2.8) - t, oct));
    float f = fbm(x + k * r, oct);
    vec3 col = ppalette(f * 1.6, uP1, uP2);
    col = mix(col, ppalette(length(q) + uP3.y, uP2, uP1), clamp(abs(r.x - 0.45) * 3.0, 0.0, 1.0));
    col *= mix(0.4, 1.3, smoothstep(0.25, 0.7, f));
    return pow(clamp(col, 0.0, 1.0), vec3(mix(0.6, 1.8, uP3.w)));
}
