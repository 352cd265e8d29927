// name: fractal_burning_ship
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x window (whole ship or the antenna of small ships), uP0.y position along the antenna, uP0.z zoom, uP0.w tilt, uP1+uP2 palette, uP3.x colour frequency, uP3.y pan, uP3.z brightness curve, uP3.w background

// The Burning Ship (z -> (|Re z| + i|Im z|)^2 + c), framed either whole or on the antenna
// of smaller ships along the negative real axis.
vec3 shade(vec2 p) {
    vec2 q = rot2((uP0.w - 0.5) * 0.6) * p;
    vec2 center;
    float zoom;
    if (uP0.x < 0.4) {
        center = vec2(-0.45, -0.5) + (uP3.y - 0.5) * vec2(0.6, 0.3);
        zoom = mix(0.6, 1.3, uP0.z);
    } else {
        center = vec2(mix(-1.8, -1.6, uP0.y), -0.03);
        zoom = exp(mix(log(0.12), log(0.015), uP0.z));
    }
    vec2 c = center + vec2(q.x, -q.y) * zoom;
    vec2 z = vec2(0.0);
    float n = 0.0, m2 = 0.0;
    bool escaped = false;
    for (int i = 0; i < 96; i++) {
        z = abs(z);
        z = vec2(z.x * z.x - z.y * z.y, 2.0 * z.x * z.y) + c;
        m2 = dot(z, z);
        if (m2 > 256.0) { escaped = true; break; }
        n += 1.0;
    }
    if (!escaped) return ppalette(0.0, uP2, uP1) * mix(0.0, 0.3, uP3.w);
    float sn = n - log2(log2(m2)) + 4.0;
    vec3 col = ppalette(sqrt(sn) * mix(0.2, 1.0, uP3.x), uP1, uP2);
    return col * pow(clamp(sn / 40.0, 0.0, 1.0), mix(0.3, 1.0, uP3.z));
}
