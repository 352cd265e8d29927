// name: fractal_julia_orbit_trap
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.xy constant c (on the cardioid edge), uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x trap shape (point, cross, ring), uP3.y trap size, uP3.z glow falloff, uP3.w background brightness

// Julia iteration coloured by an orbit trap: the closest approach of the orbit to a point,
// a cross or a ring; gives glowing strands and eyes instead of escape-time bands.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }

vec3 shade(vec2 p) {
    float t = uP0.x * TAU;
    vec2 e = vec2(cos(t), sin(t));
    vec2 c = (0.5 * e - 0.25 * cmul(e, e)) * mix(0.88, 1.0, uP0.y);
    vec2 z = rot2(uP0.w * TAU) * p * mix(0.6, 1.5, uP0.z);
    float ts = mix(0.05, 0.6, uP3.y);
    float trap = 1e3;
    float it = 0.0;
    for (int i = 0; i < 64; i++) {
        z = cmul(z, z) + c;
        if (dot(z, z) > 64.0) break;
        float dtr;
        if (uP3.x < 0.33) dtr = length(z - vec2(ts, 0.0));
        else if (uP3.x < 0.66) dtr = min(abs(z.x), abs(z.y));
        else dtr = abs(length(z) - ts);
        if (dtr < trap) { trap = dtr; it = float(i); }
    }
    float g = exp(-trap * mix(3.0, 15.0, uP3.z));
    vec3 col = ppalette(it * 0.07 + trap, uP1, uP2) * g;
    col += ppalette(0.7, uP2, uP1) * mix(0.1, 0.5, uP3.w) * (1.0 - g);
    return clamp(col, 0.0, 1.0);
}
