// name: polar_twist_checker
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x sectors, uP0.y rings, uP0.z twist amount, uP0.w twist profile, uP1+uP2 palette, uP3.x lens bulge, uP3.y rotation, uP3.z third colour share, uP3.w edge softness

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float r0 = length(p);
    float bulge = mix(0.7, 1.8, uP3.x);
    float r = pow(r0, bulge);
    float a = atan(p.y, p.x) + uP3.y * TAU;
    float sectors = floor(mix(3.0, 12.0, uP0.x)) * 2.0;
    float rings = mix(1.5, 5.0, uP0.y);
    float tw = mix(-3.0, 3.0, uP0.z);
    float prof = uP0.w < 0.5 ? sin(r * PI * mix(0.5, 2.0, uP0.w * 2.0)) : exp(-r * mix(1.0, 5.0, uP0.w * 2.0 - 1.0));
    a += tw * prof + uTime * 0.05;
    float u = a / TAU * sectors;
    float v = r * rings;
    float soft = mix(0.01, 0.12, uP3.w * uP3.w);
    float fu = (sectors / TAU / max(r0, 1e-3) + abs(tw) * 4.0) * px;
    float fv = rings * px * 2.0 + px;
    float su = smoothstep(-soft - fu, soft + fu, sin(u * PI) * 0.5);
    float sv = smoothstep(-soft - fv, soft + fv, sin(v * PI) * 0.5);
    float chk = su * sv + (1.0 - su) * (1.0 - sv);
    chk = mix(chk, 0.5, smoothstep(0.15, 0.5, fu));
    vec3 c1 = ppalette(0.0, uP1, uP2), c2 = ppalette(0.5, uP1, uP2), c3 = ppalette(0.25, uP2, uP1);
    vec3 col = mix(c1, c2, chk);
    float third = step(1.0 - uP3.z * 0.5, hash12(vec2(floor(u), floor(v))));
    return mix(col, c3, third * chk);
}
