// name: plasma_point_sources
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x source count 2..6, uP0.y source layout seed, uP0.z wave number, uP0.w spread of sources, uP1+uP2 palette, uP3.x intensity or amplitude view, uP3.y damping with distance, uP3.z phase differences, uP3.w gamma

// Interference of circular waves from a few coherent point sources (a ripple tank): the summed
// amplitude shows nodal lines; its square shows bright and dark fringes.
vec3 shade(vec2 p) {
    int n = 2 + int(uP0.x * 5.0);
    float k = mix(6.0, 18.0, uP0.z);
    float amp = 0.0;
    for (int i = 0; i < 6; i++) {
        if (i >= n) break;
        vec2 h = hash22(vec2(float(i) * 3.7, uP0.y * 91.0));
        vec2 src = (h - 0.5) * mix(0.5, 2.5, uP0.w);
        float r = length(p - src);
        float ph = uP3.z * TAU * float(i);
        amp += cos(k * r - uTime * 2.0 + ph) / (1.0 + mix(0.0, 2.5, uP3.y) * r);
    }
    amp /= sqrt(float(n));
    float v = uP3.x > 0.5 ? amp * amp * 1.5 : 0.5 + 0.5 * amp;
    v = pow(clamp(v, 0.0, 1.0), mix(0.5, 1.5, uP3.w));
    return clamp(ppalette(v * 0.8, uP1, uP2) * (0.35 + v), 0.0, 1.0);
}
