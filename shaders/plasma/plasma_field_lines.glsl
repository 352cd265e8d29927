// name: plasma_field_lines
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x charge count 2..5, uP0.y charge layout seed, uP0.z line density, uP0.w equipotential density, uP1+uP2 palette, uP3.x show field lines, equipotentials or both, uP3.y line width, uP3.z charge sign pattern, uP3.w background

// Electric field of point charges in 2D: field lines are contours of the stream function
// sum q_i angle_i, equipotentials contours of sum q_i log r_i; both are drawn with lines of
// constant screen width.
vec3 shade(vec2 p) {
    int n = 2 + int(uP0.x * 4.0);
    float psi = 0.0, phi = 0.0;
    for (int i = 0; i < 5; i++) {
        if (i >= n) break;
        vec3 r = hash32(vec2(float(i) * 4.1, uP0.y * 63.0));
        vec2 c = (r.xy - 0.5) * 2.2;
        float q = hash11(float(i) * 1.7 + uP3.z * 31.0) > 0.5 ? 1.0 : -1.0;
        vec2 d = p - c;
        psi += q * atan(d.y, d.x);
        phi += q * log(length(d) + 1e-3);
    }
    float nl = floor(mix(4.0, 12.0, uP0.z));
    float fl = psi / TAU * nl;
    float ep = phi * mix(1.0, 4.0, uP0.w);
    float w = mix(0.8, 2.0, uP3.y);
    float lineF = 1.0 - smoothstep(0.0, w * fwidth(fl) + 1e-4, abs(fract(fl + 0.5) - 0.5));
    float lineE = 1.0 - smoothstep(0.0, w * fwidth(ep) + 1e-4, abs(fract(ep + 0.5) - 0.5));
    float showF = uP3.x < 0.66 ? 1.0 : 0.0, showE = uP3.x > 0.33 ? 1.0 : 0.0;
    vec3 bg = ppalette(0.5 + 0.1 * tanh(phi), uP2, uP1) * mix(0.05, 0.5, uP3.w);
    vec3 col = mix(bg, ppalette(0.2, uP1, uP2), lineF * showF);
    col = mix(col, ppalette(0.7, uP1, uP2), lineE * showE);
    return clamp(col, 0.0, 1.0);
}
