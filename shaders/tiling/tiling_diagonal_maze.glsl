// name: tiling_diagonal_maze
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x wall thickness, uP3.y bevel shading, uP3.z bias between the two diagonals, uP3.w background darkness

// The one-line maze: each square cell carries one diagonal, picked at random (with a bias), and
// the walls are drawn as bevelled ridges.
vec3 shade(vec2 p) {
    float sc = mix(2.0, 6.0, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec2 c = floor(q), f = fract(q) - 0.5;
    float h = hash12(c + 13.1);
    float dirn = h < mix(0.2, 0.8, uP3.z) ? 1.0 : -1.0;
    float d = abs(f.x - dirn * f.y) * 0.7071;
    float w = mix(0.06, 0.22, uP3.x);
    float wall = 1.0 - smoothstep(w, w + 0.04, d);
    float ridge = 1.0 - d / w;
    float light = mix(1.0, 0.5 + 0.7 * ridge, uP3.y);
    vec3 bg = ppalette(0.3 + 0.1 * hash12(c), uP2, uP1) * mix(0.1, 0.7, uP3.w);
    vec3 wc = ppalette(0.6 + 0.2 * dirn, uP1, uP2) * light;
    return clamp(mix(bg, wc, wall), 0.0, 1.0);
}
