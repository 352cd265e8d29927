// name: organic_brain_coral
// family: organic
// licence: MIT (shaderkd project)
// params: uP0.x ridge density, uP0.y warp amount, uP0.z noise scale, uP0.w seed, uP1+uP2 palette, uP3.x light direction, uP3.y ridge sharpness, uP3.z groove colour, uP3.w bump strength

float height(vec2 p, float dens, float warp) {
    vec2 q = p + warp * (vec2(fbm(p * 0.8, 3), fbm(p * 0.8 + 6.1, 3)) - 0.5);
    float v = fbm(q, 4);
    return sin(v * dens);
}

vec3 shade(vec2 p) {
    float dens = mix(14.0, 40.0, uP0.x);
    float warp = mix(0.5, 3.0, uP0.y);
    vec2 q = p * mix(0.8, 2.2, uP0.z) + uP0.w * 20.0;
    float h = height(q, dens, warp);
    float e = 0.004;
    float hx = height(q + vec2(e, 0.0), dens, warp);
    float hy = height(q + vec2(0.0, e), dens, warp);
    float bump = mix(0.002, 0.012, uP3.w);
    vec3 nrm = normalize(vec3(-(hx - h) * bump / e, -(hy - h) * bump / e, 0.02));
    vec3 L = normalize(vec3(cos(uP3.x * TAU), sin(uP3.x * TAU), 1.0));
    float dif = clamp(dot(nrm, L), 0.0, 1.0);
    float ridge = pow(0.5 + 0.5 * h, mix(0.5, 3.0, uP3.y));
    vec3 top = ppalette(0.15 + 0.1 * h, uP1, uP2);
    vec3 groove = ppalette(0.6, uP2, uP1) * mix(0.2, 0.7, uP3.z);
    vec3 col = mix(groove, top, ridge) * (0.45 + 0.75 * dif);
    return clamp(col, 0.0, 1.0);
}
