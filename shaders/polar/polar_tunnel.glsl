// name: polar_tunnel
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x wall pattern, uP0.y cross-section roundness, uP0.z segments around, uP0.w twist, uP1+uP2 palette, uP3.x depth speed, uP3.y centre offset, uP3.z fog colour dark/light, uP3.w stripe density along depth

vec3 shade(vec2 p) {
    vec2 c = vec2(cos(uP3.y * TAU), sin(uP3.y * TAU)) * 0.3 * uP3.y;
    vec2 q = p - c;
    float pw = mix(1.0, 8.0, uP0.y);
    vec2 aq = abs(q) + 1e-5;
    float r = pow(pow(aq.x, pw) + pow(aq.y, pw), 1.0 / pw);   // L_p radius: diamond, circle or square tunnel
    float a = atan(q.y, q.x);
    float depth = 0.35 / max(r, 1e-3);
    float segs = floor(mix(3.0, 16.0, uP0.z));
    float z = depth + uTime * mix(0.0, 0.6, uP3.x);
    float ang = a / TAU * segs + uP0.w * 3.0 * depth;
    float zs = z * mix(1.0, 5.0, uP3.w);
    float pat;
    if (uP0.x < 0.33) pat = mod(floor(ang) + floor(zs), 2.0);                                    // checker
    else if (uP0.x < 0.66) pat = step(0.5, fract(zs + 0.5 * step(0.5, fract(ang * 0.5))));       // bricks
    else pat = smoothstep(0.3, 0.7, abs(fract(ang + sin(zs * PI)) - 0.5) * 2.0);               // waves
    // derivative of depth grows like 1/r^2: average the pattern away near the vanishing point
    float fw = (0.35 / (r * r)) * (2.0 / uRes.y) * mix(1.0, 5.0, uP3.w);
    pat = mix(pat, 0.5, smoothstep(0.2, 0.6, fw));
    vec3 c1 = ppalette(floor(zs) * 0.07, uP1, uP2);
    vec3 c2 = ppalette(0.5 + floor(zs) * 0.07, uP2, uP1);
    vec3 col = mix(c1, c2, pat);
    vec3 fog = mix(vec3(0.0), vec3(1.0), uP3.z);
    return mix(fog, col, smoothstep(0.0, 0.6, r));
}
