// name: strokes_harmonograph
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.xy pendulum frequencies, uP0.z damping, uP0.w phases, uP1+uP2 palette, uP3.x line width, uP3.y glow, uP3.z background dark/light, uP3.w detuning

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float det = mix(0.0, 0.08, uP3.w);
    vec4 f = vec4(floor(mix(1.0, 5.0, uP0.x)), floor(mix(1.0, 5.0, uP0.y)),
                  floor(mix(1.0, 5.0, fract(uP0.x * 7.0))), floor(mix(1.0, 5.0, fract(uP0.y * 5.0)))) + det * vec4(1.0, -0.7, 0.4, 0.9);
    vec4 ph = fract(uP0.w * vec4(1.0, 3.1, 7.3, 11.9)) * TAU;
    float damp = mix(0.02, 0.2, uP0.z);
    float w = mix(0.004, 0.02, uP3.x);
    // four damped oscillators advanced by constant rotations (cheaper than sin per step)
    const int N = 110;
    float dt = 2.0 * TAU / float(N);
    vec2 o0 = vec2(cos(ph.x), sin(ph.x)), o1 = vec2(cos(ph.y), sin(ph.y));
    vec2 o2 = vec2(cos(ph.z), sin(ph.z)), o3 = vec2(cos(ph.w), sin(ph.w));
    mat2 r0 = rot2(-f.x * dt), r1 = rot2(-f.y * dt), r2 = rot2(-f.z * dt), r3 = rot2(-f.w * dt);
    float decay = exp(-damp * dt), e = 1.0;
    float best = 1e9, bt = 0.0;
    vec2 prev = vec2(0.55 * o0.y + 0.4 * o1.y, 0.55 * o2.y + 0.4 * o3.y);
    for (int k = 1; k <= N; k++) {
        o0 = r0 * o0; o1 = r1 * o1; o2 = r2 * o2; o3 = r3 * o3; e *= decay;
        vec2 q = e * vec2(0.55 * o0.y + 0.4 * o1.y, 0.55 * o2.y + 0.4 * o3.y);
        float d = sdSegment(p, prev, q);
        if (d < best) { best = d; bt = float(k) / float(N); }
        prev = q;
    }
    bool dark = uP3.z < 0.5;
    vec3 bg = dark ? vec3(0.02, 0.02, 0.05) : vec3(0.96, 0.95, 0.92);
    vec3 c = ppalette(bt, uP1, uP2);
    float line = smoothstep(w + px, w - px, best);
    float glow = uP3.y * exp(-best / (w * 6.0)) * 0.6;
    vec3 col = dark ? bg + c * (line + glow) : mix(bg, c * 0.8, max(line, glow * 0.6));
    return clamp(col, 0.0, 1.0);
}
