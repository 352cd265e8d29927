// name: plasma_chladni_modes
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x mode n, uP0.y mode m, uP0.z mix sign and weight, uP0.w rotation, uP1+uP2 palette, uP3.x sand line width, uP3.y show amplitude or sand, uP3.z square or round plate view, uP3.w background

// Chladni figures of a square plate: the standing wave cos(n pi x) cos(m pi y) +- cos(m pi x)
// cos(n pi y); sand gathers on the nodal lines where it is zero.
vec3 shade(vec2 p) {
    float n = 1.0 + floor(uP0.x * 4.0);
    float m = n + 1.0 + floor(uP0.y * 3.0);
    float s = uP0.z > 0.5 ? 1.0 : -1.0;
    float wgt = mix(0.6, 1.0, fract(uP0.z * 2.0));
    vec2 q = rot2(uP0.w * TAU) * p * mix(0.8, 1.0, uP3.z);
    float z = cos(n * PI * q.x) * cos(m * PI * q.y) + s * wgt * cos(m * PI * q.x) * cos(n * PI * q.y);
    float w = mix(0.1, 0.35, uP3.x);
    float sand = 1.0 - smoothstep(0.0, w, abs(z));
    vec3 plate = ppalette(0.2, uP2, uP1) * mix(0.1, 0.5, uP3.w);
    vec3 col;
    if (uP3.y > 0.5) col = mix(plate, ppalette(0.7, uP1, uP2), sand);
    else col = ppalette(0.5 + 0.35 * z, uP1, uP2) * (0.4 + 0.6 * abs(z)) + sand * 0.3;
    if (uP3.z > 0.7) col *= smoothstep(1.02, 0.98, length(q));
    return clamp(col, 0.0, 1.0);
}
