// name: gradient_radial_focal
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.xy circle centre, uP0.z radius, uP0.w focal offset, uP1+uP2 palette, uP3.x spread mode (pad/repeat/reflect), uP3.y palette span, uP3.z ellipse squash, uP3.w squash angle

vec3 shade(vec2 p) {
    vec2 c = (uP0.xy - 0.5) * vec2(1.6, 1.2);
    float R = mix(0.5, 1.6, uP0.z);
    float fa = uP0.w * 37.0;
    vec2 fo = c + vec2(cos(fa), sin(fa)) * R * 0.85 * uP0.w;
    // anisotropic metric: squash the plane along a random axis
    mat2 M = rot2(uP3.w * PI);
    vec2 sq = vec2(1.0, mix(1.0, 2.5, uP3.z));
    vec2 q = (M * (p - fo)) * sq;
    vec2 cc = (M * (c - fo)) * sq;
    // ray from the focal point through p hits the circle at s: |s*d - cc| = R, t = |q| / s
    vec2 d = normalize(q + 1e-6);
    float b = dot(d, cc);
    float disc = b * b - dot(cc, cc) + R * R;
    float s = b + sqrt(max(disc, 0.0));
    // with the focus near the circle, t blows up on one side: cap it so the bands cannot alias into noise
    float t = min(length(q) / max(s, 1e-4), 3.0);
    float mode = uP3.x;
    float span = mix(1.0, 4.0, uP3.y);
    if (mode < 0.2) t = clamp(t * 0.9, 0.0, 1.0);
    else if (mode < 0.6) t = fract(t * span);
    else t = 1.0 - abs(1.0 - mod(t * span, 2.0));
    vec3 col = ppalette(t * mix(0.5, 1.0, uP3.y), uP1, uP2);
    // where the repeated bands get denser than a pixel, show their mean colour instead
    float fw = fwidth(t);
    return mix(col, ppalette(0.25 * mix(0.5, 1.0, uP3.y), uP1, uP2), smoothstep(0.25, 0.6, fw));
}
