// name: noise_cloud_layers_3d
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z scale, uP0.w layer spacing, uP1+uP2 palette, uP3.x density, uP3.y parallax, uP3.z evolution speed, uP3.w background brightness

// Several slices of 3D value noise, composited front to back with parallax so they read as
// drifting layers of mist or nebula.
float fbm3(vec3 q) {
    return 0.5 * vnoise3(q) + 0.25 * vnoise3(q * 2.02 + 1.7) + 0.125 * vnoise3(q * 4.05 + 4.1);
}

vec3 shade(vec2 p) {
    float sc = mix(1.5, 5.0, uP0.z);
    vec3 col = ppalette(0.8 + p.y * 0.2, uP2, uP1) * mix(0.03, 0.5, uP3.w);
    float trans = 1.0;
    for (int i = 0; i < 4; i++) {
        float fi = float(i);
        float depth = 1.0 + fi * mix(0.3, 1.2, uP0.w);
        vec2 pp = p * sc / depth + uP0.xy * 20.0 + fi * mix(0.2, 1.5, uP3.y) * vec2(0.7, 0.3);
        float n = fbm3(vec3(pp, fi * 3.1 + uTime * mix(0.01, 0.2, uP3.z)));
        float a = smoothstep(0.35, 0.75, n) * mix(0.4, 0.95, uP3.x);
        vec3 lc = ppalette(fi * 0.21 + n, uP1, uP2) * (1.2 - 0.2 * fi);
        col = mix(col, lc, a * trans);
        trans *= 1.0 - a * 0.6;
    }
    return clamp(col, 0.0, 1.0);
}
