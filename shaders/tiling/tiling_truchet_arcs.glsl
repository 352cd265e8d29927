// name: tiling_truchet_arcs
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z cell density, uP0.w rotation, uP1+uP2 palette, uP3.x line width, uP3.y concentric lines per arc, uP3.z two-colour fill, uP3.w seed

// Smith's quarter-circle Truchet tiles: each cell picks one of two orientations; the arcs join
// into meandering paths, and the two sides of every path get alternating colours.
vec3 shade(vec2 p) {
    float sc = mix(1.5, 4.5, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 40.0;
    vec2 c = floor(q), f = fract(q);
    float flip = step(0.5, hash12(c + uP3.w * 71.0));
    if (flip > 0.5) f.x = 1.0 - f.x;
    float r0 = length(f), r1 = length(f - 1.0);
    float d = min(abs(r0 - 0.5), abs(r1 - 0.5));
    float hw = mix(0.05, 0.22, uP3.x);
    float ink = 1.0 - smoothstep(hw, hw + 0.03, d);
    // Optionally split the band into 2 or 3 parallel strands.
    float lines = 1.0 + floor(uP3.y * 3.0);
    if (lines > 1.5) ink *= smoothstep(-0.2, 0.2, cos(d / hw * PI * (lines - 0.5)));
    float side = mod(c.x + c.y + flip, 2.0);
    float inArc = step(r0, 0.5) + step(r1, 0.5);
    float region = mod(side + inArc, 2.0);
    vec3 bgA = ppalette(0.1, uP1, uP2), bgB = uP3.z > 0.5 ? ppalette(0.45, uP1, uP2) : bgA;
    vec3 col = mix(bgA, bgB, region) * 0.8;
    vec3 line = ppalette(0.75, uP2, uP1);
    return clamp(mix(col, line, ink), 0.0, 1.0);
}
