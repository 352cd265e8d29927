// name: noise_fbm_terrain
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x octaves, uP3.y light azimuth, uP3.z water level, uP3.w relief and gamma

// A hill-shaded fbm height map seen from above, with a flat sea below a random level.
float terrainHeight(vec2 q, int oct) {
    return fbm(q, oct) / (1.0 - pow(0.5, float(oct)));
}

vec3 shade(vec2 p) {
    float zoom = mix(0.6, 2.5, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * zoom + uP0.xy * 60.0;
    int oct = 3 + int(uP3.x * 3.0);
    float e = 0.004 * zoom;
    float h = terrainHeight(q, oct);
    float hx = terrainHeight(q + vec2(e, 0.0), oct);
    float hy = terrainHeight(q + vec2(0.0, e), oct);
    float relief = mix(0.08, 0.5, uP3.w);
    vec3 n = normalize(vec3(-(hx - h) / e * relief, -(hy - h) / e * relief, 1.0));
    float az = uP3.y * TAU;
    vec3 l = normalize(vec3(cos(az), sin(az), 0.7));
    float dif = clamp(dot(n, l), 0.0, 1.0);
    float sea = mix(0.3, 0.6, uP3.z);
    vec3 land = ppalette(h * 1.5, uP1, uP2) * (0.25 + 0.85 * dif);
    vec3 deep = ppalette(0.1 + uP2.w, uP2, uP1) * 0.35;
    vec3 shallow = mix(deep, vec3(0.8), 0.35);
    vec3 water = mix(deep, shallow, smoothstep(sea - 0.12, sea, h));
    vec3 col = h < sea ? water : land;
    return pow(clamp(col, 0.0, 1.0), vec3(mix(0.7, 1.6, fract(uP3.w * 7.0))));
}
