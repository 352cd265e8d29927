// name: tiling_brick_bond
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z brick size, uP0.w rotation, uP1+uP2 palette, uP3.x row offset (stack to running bond), uP3.y brick aspect, uP3.z mortar width, uP3.w brick colour jitter and texture

// Brick courses with a variable offset between rows, mortar joints, per-brick colour jitter,
// rough surface texture and slightly darkened edges.
vec3 shade(vec2 p) {
    float sc = mix(2.5, 6.0, uP0.z);
    vec2 q = rot2((uP0.w - 0.5) * 0.8) * p * sc + uP0.xy * 40.0;
    float aspect = mix(1.5, 3.5, uP3.y);
    q.x /= aspect;
    float row = floor(q.y);
    q.x += row * mix(0.0, 0.5, uP3.x);
    vec2 c = vec2(floor(q.x), row);
    vec2 f = fract(q);
    vec2 e = min(f, 1.0 - f) * vec2(aspect, 1.0);
    float edge = min(e.x, e.y);
    float m = mix(0.03, 0.12, uP3.z);
    float brick = smoothstep(m, m + 0.02, edge);
    float j = hash12(c + 31.0);
    vec3 bc = ppalette(0.05 + j * mix(0.05, 0.3, uP3.w), uP1, uP2);
    bc *= 0.85 + mix(0.1, 0.4, uP3.w) * (vnoise(q * vec2(aspect, 1.0) * 8.0 + c) - 0.5);
    bc *= mix(0.75, 1.0, smoothstep(m, m + 0.15, edge));
    vec3 mortar = vec3(mix(0.2, 0.8, uP2.w)) * (0.8 + 0.2 * vnoise(q * 20.0));
    return clamp(mix(mortar, bc, brick), 0.0, 1.0);
}
