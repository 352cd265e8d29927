// name: flow_cylinder_streamlines
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x obstacle count, uP0.y obstacle radius, uP0.z circulation, uP0.w layout seed, uP1+uP2 palette, uP3.x flow direction, uP3.y streamline density, uP3.z colour by speed vs stream bands, uP3.w line width

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    mat2 R = rot2(uP3.x * TAU);
    vec2 q = R * p;
    int n = 1 + int(uP0.x * 4.0);
    float psi = q.y;
    float inside = 1e9;
    for (int i = 0; i < 5; i++) {
        if (i >= n) break;
        float fi = float(i);
        vec3 h = hash32(vec2(fi * 7.7, uP0.w * 17.0));
        vec2 c = (h.xy * 2.0 - 1.0) * vec2(1.0, 0.7);
        if (n == 1) c *= 0.2;
        float r0 = mix(0.1, 0.35, uP0.y) * mix(0.7, 1.2, h.z);
        vec2 d = q - c;
        float r2 = max(dot(d, d), 1e-4);
        // uniform stream past a cylinder (doublet), with optional bound circulation
        psi -= d.y * r0 * r0 / r2;
        psi += mix(-1.0, 1.0, uP0.z) * 0.25 * log(r2) * 0.5 * (h.z < 0.5 ? -1.0 : 1.0);
        inside = min(inside, sqrt(r2) - r0);
    }
    float dens = mix(6.0, 18.0, uP3.y);
    float u = psi * dens;
    float fw = fwidth(u) + 1e-5;
    float lw = mix(0.6, 2.0, uP3.w);
    float line = 1.0 - smoothstep(0.0, lw * fw, min(fract(u), 1.0 - fract(u)));
    line *= 1.0 - smoothstep(0.2, 0.5, fw);
    float speed = fw / dens / px;
    vec3 bg = uP3.z < 0.5 ? ppalette(speed * 0.4, uP1, uP2) : ppalette(floor(u) * 0.05, uP1, uP2) * 0.8;
    vec3 col = mix(bg, vec3(0.02) + 0.95 * step(0.7, uP3.w) , line * 0.85);
    col = mix(col, ppalette(0.9, uP2, uP1) * 0.3, smoothstep(px, -px, inside));
    return col;
}
