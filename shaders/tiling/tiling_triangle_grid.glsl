// name: tiling_triangle_grid
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x border width, uP3.y colour by row gradient or random, uP3.z up/down contrast, uP3.w inner triangles

// A triangular grid in skewed coordinates: every unit rhombus splits into an up and a down
// triangle, each coloured on its own, with optional inset triangles.
vec3 shade(vec2 p) {
    float sc = mix(1.0, 3.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec2 s = vec2(q.x - q.y * 0.57735, q.y * 1.1547);
    vec2 c = floor(s), f = fract(s);
    float up = step(1.0, f.x + f.y);
    float edge = min(min(f.x, f.y), abs(1.0 - f.x - f.y)) * 0.866;
    float id = hash12(c * 2.0 + up + 5.0);
    float key = uP3.y > 0.5 ? id : (c.y + c.x * 0.3) * 0.08 + id * 0.15;
    vec3 col = ppalette(key, uP1, uP2) * mix(1.0, mix(0.5, 1.0, up), uP3.z);
    float w = mix(0.01, 0.08, uP3.x);
    col *= smoothstep(0.0, w, edge);
    if (uP3.w > 0.5) {
        float inner = smoothstep(0.12, 0.1, abs(edge - 0.12));
        col = mix(col, ppalette(id + 0.5, uP2, uP1), inner * 0.8);
    }
    return clamp(col, 0.0, 1.0);
}
