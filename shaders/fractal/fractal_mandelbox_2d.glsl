// name: fractal_mandelbox_2d
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x box scale (negative or positive), uP0.y minimum radius, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.xy pan, uP3.z colour frequency and iteration cap 8..24, uP3.w fold limit

// A 2D Mandelbox: box fold, then sphere fold (inversion inside a shell), then scale and add c;
// escape time gives crystalline, square-symmetric fractals.
vec3 shade(vec2 p) {
    float s = uP0.x < 0.5 ? mix(-2.8, -1.5, uP0.x * 2.0) : mix(1.5, 2.8, uP0.x * 2.0 - 1.0);
    float minR2 = mix(0.05, 0.5, uP0.y);
    float fold = mix(0.7, 1.2, uP3.w);
    float zoom = mix(1.5, 4.0, uP0.z);
    vec2 c = rot2(uP0.w * TAU) * p * zoom + (uP3.xy - 0.5) * 1.0;
    vec2 z = c;
    float n = 0.0, r2 = 0.0;
    float trap = 1e3;
    bool escaped = false;
    int iters = 8 + int(fract(uP3.z * 5.0) * 17.0);
    for (int i = 0; i < 24; i++) {
        if (i >= iters) break;
        z = clamp(z, -fold, fold) * 2.0 - z;
        r2 = dot(z, z);
        if (r2 < minR2) z /= minR2;
        else if (r2 < 1.0) z /= r2;
        z = z * s + c;
        r2 = dot(z, z);
        trap = min(trap, abs(z.x * z.y));
        if (r2 > 1e4) { escaped = true; break; }
        n += 1.0;
    }
    float sn = escaped ? n - log2(log2(r2) / log2(1e4)) : float(iters) + trap;
    vec3 col = ppalette(log(1.0 + sn) * mix(0.4, 1.2, uP3.z), uP1, uP2);
    if (!escaped) col *= 0.2 + 0.6 * exp(-trap);
    return clamp(col, 0.0, 1.0);
}
