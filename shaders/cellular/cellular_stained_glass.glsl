// name: cellular_stained_glass
// family: cellular
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z pane density, uP0.w warp of the leading, uP1.x base hue, uP1.y hue spread, uP1.z saturation, uP1.w light position, uP2.x lead width, uP2.y glass texture, uP2.z brightness, uP2.w rotation, uP3.x seed jitter, uP3.y lead colour, uP3.z pane shading toward the lead, uP3.w pane aspect

// Stained glass: warped Voronoi panes in saturated hues, dark lead came along F2 - F1 ~ 0,
// lit from behind by a soft spot, with streaky glass texture.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.0, uP0.z);
    vec2 q = rot2(uP2.w * TAU) * p * vec2(mix(0.6, 1.0, uP3.w), 1.0) * sc + uP0.xy * 30.0;
    q += mix(0.0, 0.6, uP0.w) * vec2(gnoise(q * 0.7), gnoise(q * 0.7 + 5.0));
    vec2 c = floor(q), f = fract(q);
    float d1 = 9.0, d2 = 9.0;
    vec2 id = vec2(0.0);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 g = vec2(i, j);
        vec2 o = 0.5 + mix(0.4, 1.0, uP3.x) * (hash22(c + g) - 0.5);
        float d = length(g + o - f);
        if (d < d1) { d2 = d1; d1 = d; id = c + g; } else if (d < d2) { d2 = d; }
    }
    vec3 h = hash32(id);
    float hue = uP1.x + (h.x - 0.5) * mix(0.1, 1.0, uP1.y);
    vec3 glass = hsv2rgb(vec3(hue, mix(0.5, 1.0, uP1.z) * (0.7 + 0.3 * h.y), 0.6 + 0.4 * h.z));
    glass *= 0.8 + mix(0.0, 0.5, uP2.y) * (vnoise(q * vec2(2.0, 14.0)) - 0.5);
    vec2 lp = vec2(cos(uP1.w * TAU), sin(uP1.w * TAU)) * 0.6;
    float light = mix(0.6, 1.4, uP2.z) * (0.5 + 0.8 / (1.0 + 1.5 * dot(p - lp, p - lp)));
    float lead = 1.0 - smoothstep(mix(0.04, 0.18, uP2.x), mix(0.04, 0.18, uP2.x) + 0.04, d2 - d1);
    vec3 col = glass * light * mix(1.0, smoothstep(0.0, 0.5, d2 - d1) * 0.6 + 0.4, uP3.z);
    vec3 leadC = uP3.y > 0.7 ? vec3(0.55, 0.5, 0.4) : vec3(0.03, 0.03, 0.04);
    col = mix(col, leadC + 0.1 * (d2 - d1), lead);
    return clamp(col, 0.0, 1.0);
}
