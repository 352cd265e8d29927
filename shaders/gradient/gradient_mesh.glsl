// name: gradient_mesh
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x mesh resolution, uP0.y grid warp, uP0.z interpolation smoothness, uP0.w colour seed, uP1+uP2 palette, uP3.x saturation, uP3.y rotation, uP3.z brightness, uP3.w palette span

vec3 node(vec2 id) {
    return ppalette(hash12(id + uP0.w * 37.0) * mix(0.35, 1.0, uP3.w), uP1, uP2);
}

vec3 shade(vec2 p) {
    p = rot2(uP3.y * TAU) * p;
    float res = mix(1.0, 3.0, uP0.x);
    vec2 x = p * res * 0.5 + 2.0;
    x += uP0.y * 0.35 * vec2(sin(x.y * 2.1 + uP0.w * 7.0), sin(x.x * 1.7 + uP0.w * 3.0));
    vec2 i = floor(x), f = fract(x);
    vec2 s = mix(f, f * f * (3.0 - 2.0 * f), uP0.z);
    vec3 col = mix(mix(node(i), node(i + vec2(1, 0)), s.x), mix(node(i + vec2(0, 1)), node(i + vec2(1, 1)), s.x), s.y);
    float l = dot(col, vec3(0.3, 0.59, 0.11));
    col = mix(vec3(l), col, mix(0.5, 1.8, uP3.x));
    col *= mix(0.6, 1.25, uP3.z);
    return clamp(col, 0.0, 1.0);
}
