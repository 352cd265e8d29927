// name: noise_topo_terraces
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x number of levels, uP3.y contour line width, uP3.z octaves, uP3.w line darkness and background brightness

// A topographic map: fbm heights quantised into terraces, with antialiased contour lines.
vec3 shade(vec2 p) {
    float zoom = mix(0.4, 1.8, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * zoom + uP0.xy * 50.0;
    int oct = 2 + int(uP3.z * 3.0);
    float h = fbm(q, oct) / (1.0 - pow(0.5, float(oct)));
    h = clamp((h - 0.25) * 2.0, 0.0, 1.0);
    float levels = mix(3.0, 10.0, uP3.x);
    float hl = h * levels;
    float band = floor(hl) / levels;
    float w = fwidth(hl) * mix(0.8, 2.5, uP3.y);
    float line = 1.0 - smoothstep(0.0, w, abs(fract(hl + 0.5) - 0.5));
    vec3 col = ppalette(band * 0.9, uP1, uP2);
    col *= mix(0.5, 1.1, uP3.w);
    vec3 ink = uP3.w > 0.5 ? vec3(0.05) : vec3(0.95);
    return clamp(mix(col, ink, line * 0.9), 0.0, 1.0);
}
