// name: gradient_blend_modes
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x linear angle, uP0.y second gradient centre, uP0.z second gradient kind (radial/conic), uP0.w second gradient scale, uP1 first palette, uP2 second palette, uP3.x blend mode (multiply/screen/overlay/difference/soft light), uP3.y opacity, uP3.z stripes in the first layer, uP3.w repeat of second layer

vec3 shade(vec2 p) {
    vec2 d = vec2(cos(uP0.x * TAU), sin(uP0.x * TAU));
    float t1 = dot(p, d) * 0.35 + 0.5;
    if (uP3.z > 0.6) t1 = floor(t1 * mix(3.0, 9.0, uP3.z)) / 6.0;
    vec3 a = ppalette(t1, uP1, uP2);
    vec2 c = (vec2(uP0.y, fract(uP0.y * 7.3)) - 0.5) * 1.6;
    vec2 q = p - c;
    float reps = floor(mix(1.0, 4.0, uP3.w));
    float t2 = uP0.z < 0.5 ? length(q) * mix(0.4, 1.5, uP0.w) : atan(q.y, q.x) / TAU + 0.5;
    t2 = fract(t2 * reps);
    vec3 b = ppalette(t2, uP2, uP1);
    vec3 m;
    float mode = uP3.x * 5.0;
    if (mode < 1.0) m = a * b;
    else if (mode < 2.0) m = 1.0 - (1.0 - a) * (1.0 - b);
    else if (mode < 3.0) m = mix(2.0 * a * b, 1.0 - 2.0 * (1.0 - a) * (1.0 - b), step(0.5, a));
    else if (mode < 4.0) m = abs(a - b);
    else m = (1.0 - 2.0 * b) * a * a + 2.0 * b * a;
    return clamp(mix(a, m, mix(0.6, 1.0, uP3.y)), 0.0, 1.0);
}
