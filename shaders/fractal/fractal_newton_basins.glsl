// name: fractal_newton_basins
// family: fractal
// licence: MIT (shaderkd project)
// params: uP0.x degree 3..7, uP0.y relaxation magnitude, uP0.z zoom, uP0.w rotation, uP1+uP2 palette, uP3.x relaxation twist, uP3.y pan, uP3.z shading by convergence speed, uP3.w palette spread over roots

// Newton's method for z^d = 1 with a complex relaxation factor: each pixel is coloured by the
// root it converges to and darkened by how long it took, giving the basin boundaries.
vec2 cmul(vec2 a, vec2 b) { return vec2(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x); }
vec2 cdiv(vec2 a, vec2 b) { return vec2(a.x * b.x + a.y * b.y, a.y * b.x - a.x * b.y) / max(dot(b, b), 1e-12); }

vec3 shade(vec2 p) {
    int d = 3 + int(uP0.x * 5.0);
    float fd = float(d);
    vec2 relax = mix(0.6, 1.4, uP0.y) * vec2(cos((uP3.x - 0.5) * 1.2), sin((uP3.x - 0.5) * 1.2));
    float zoom = exp(mix(log(2.0), log(0.3), uP0.z));
    vec2 z = rot2(uP0.w * TAU) * p * zoom + (vec2(uP3.y, fract(uP3.y * 5.3)) - 0.5) * 0.8;
    float n = 0.0;
    for (int i = 0; i < 40; i++) {
        vec2 zd1 = vec2(1.0, 0.0);
        for (int k = 1; k < 7; k++) {
            if (k >= d) break;
            zd1 = cmul(zd1, z);
        }
        vec2 zd = cmul(zd1, z);
        vec2 step = cdiv(zd - vec2(1.0, 0.0), fd * zd1);
        z -= cmul(relax, step);
        if (dot(step, step) < 1e-6) break;
        n += 1.0;
    }
    float root = mod(floor(atan(z.y, z.x) / TAU * fd + 0.5), fd);
    vec3 col = ppalette(root / fd * mix(0.3, 1.0, uP3.w), uP1, uP2);
    float speed = exp(-n * mix(0.02, 0.15, uP3.z));
    return clamp(col * mix(0.15, 1.2, speed), 0.0, 1.0);
}
