// name: polar_rose_layers
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x petal count, uP0.y layer count, uP0.z petal sharpness, uP0.w petal count drift per layer, uP1+uP2 palette, uP3.x outline, uP3.y rotation per layer, uP3.z background dark/light, uP3.w inner shading

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float r = length(p), a = atan(p.y, p.x);
    float n0 = floor(mix(3.0, 12.0, uP0.x));
    int L = 2 + int(uP0.y * 5.0);
    float sharp = mix(0.3, 3.0, uP0.z);
    vec3 col = mix(vec3(0.03), vec3(0.95), uP3.z) * mix(vec3(1.0), ppalette(0.5, uP2, uP1), 0.3);
    for (int i = 0; i < 7; i++) {
        if (i >= L) break;
        float fi = float(i);
        float t = fi / float(L);
        float R = mix(1.05, 0.18, t);
        float n = n0 + floor(uP0.w * 3.0) * fi;
        float aa = a + fi * uP3.y * PI / n + uTime * 0.05 * (mod(fi, 2.0) - 0.5);
        float shape = pow(abs(cos(aa * n * 0.5)), sharp);
        float rr = R * (0.35 + 0.65 * shape);
        float d = r - rr;
        float fw = fwidth(d) + px * 0.5;
        vec3 c = ppalette(t + 0.1 * fi, uP1, uP2);
        c *= mix(1.0, 0.55 + 0.45 * (r / max(rr, 1e-3)), uP3.w);
        float ol = uP3.x > 0.5 ? 0.012 : 0.0;
        col = mix(col, c * 0.25, smoothstep(fw, -fw, d - ol));
        col = mix(col, c, smoothstep(fw, -fw, d));
    }
    return col;
}
