// name: strokes_hatching
// family: strokes
// licence: MIT (shaderkd project)
// params: uP0.x hatch spacing, uP0.y base hatch angle, uP0.z light direction, uP0.w scene seed, uP1+uP2 ink and paper palette, uP3.x stroke wobble, uP3.y number of spheres, uP3.z line weight, uP3.w tonal contrast

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    vec2 L = vec2(cos(uP0.z * TAU), sin(uP0.z * TAU));
    // tone field: a ground gradient with lit spheres on top
    float tone = 0.72 + 0.2 * dot(p, L) * 0.5 + 0.35 * (fbm(p * 1.5 + uP0.w * 10.0, 3) - 0.5);
    float outline = 1e9;
    int ns = 1 + int(uP3.y * 4.0);
    for (int i = 0; i < 5; i++) {
        if (i >= ns) break;
        vec2 c = (hash22(vec2(uP0.w * 53.0, float(i))) * 2.0 - 1.0) * vec2(1.1, 0.7);
        float r = mix(0.2, 0.6, hash11(uP0.w * 19.0 + float(i)));
        vec2 q = (p - c) / r;
        float rr = dot(q, q);
        outline = min(outline, abs(sqrt(rr) - 1.0) * r);
        if (rr < 1.0) {
            vec3 nrm = vec3(q, sqrt(1.0 - rr));
            tone = clamp(dot(nrm, normalize(vec3(L, 0.7))), 0.0, 1.0) * 0.95 + 0.03;
        } else if (length(p - c + L * r * 0.35) < r * 1.05) {
            tone *= 0.45; // cast shadow
        }
    }
    tone = clamp(0.5 + (tone - 0.5) * mix(0.7, 1.6, uP3.w), 0.0, 1.0);
    float sp = mix(0.035, 0.1, uP0.x);
    float lw = mix(0.06, 0.2, uP3.z);
    float ink = 0.0;
    for (int k = 0; k < 4; k++) {
        float fk = float(k);
        float a = uP0.y * PI + fk * PI * 0.29;
        vec2 dir = vec2(cos(a), sin(a));
        float u = dot(p, vec2(-dir.y, dir.x)) / sp;
        u += uP3.x * 0.5 * (vnoise(p * 6.0 + fk * 3.0) - 0.5) + 0.15 * sin(dot(p, dir) * 3.0 + fk);
        float dl = abs(fract(u) - 0.5);
        float fw = fwidth(u);
        float line = smoothstep(lw + fw, lw - fw, 0.5 - dl);
        line = mix(line, lw * 2.0, smoothstep(0.3, 0.6, fw));
        float thresh = 0.85 - fk * 0.2;
        ink = max(ink, line * smoothstep(thresh + 0.03, thresh - 0.03, tone));
    }
    vec3 paper = mix(vec3(0.97, 0.95, 0.88), ppalette(0.1, uP1, uP2) * 0.4 + 0.6, 0.5);
    vec3 inkc = ppalette(0.6, uP2, uP1) * 0.35;
    ink = max(ink, smoothstep(0.008 + px, 0.008 - px, outline));
    return mix(paper, inkc, ink);
}
