// name: polar_starburst
// family: polar
// licence: MIT (shaderkd project)
// params: uP0.x ray count, uP0.y ray length spread, uP0.z centre disc radius, uP0.w centre offset, uP1+uP2 palette, uP3.x ring bands, uP3.y ray twist, uP3.z colours per ray, uP3.w seed

vec3 shade(vec2 p) {
    vec2 c = (vec2(uP0.w, fract(uP0.w * 7.1)) - 0.5) * 1.0;
    vec2 q = p - c;
    float r = length(q), a = atan(q.y, q.x);
    float n = floor(mix(6.0, 40.0, uP0.x));
    float u = (a / TAU + 0.5) * n + uP3.y * 2.0 * r;
    float id = mod(floor(u), n);
    float h = hash11(id + uP3.w * 61.0);
    float len = mix(1.8, mix(0.3, 1.8, h), uP0.y);
    float px = 2.0 / uRes.y;
    float fw = n / TAU / max(r, 1e-3) * px;
    float edge = abs(fract(u) - 0.5);
    float parity = mod(id, 2.0);
    vec3 c1 = ppalette(h * uP3.z, uP1, uP2);
    vec3 c2 = ppalette(0.5 + h * uP3.z * 0.5, uP2, uP1);
    float inRay = smoothstep(len + px, len - px, r);
    vec3 bg = mix(c2 * 0.3, c2, step(0.5, fract(uP3.w * 3.0)));
    vec3 ray = mix(c1, c2, parity);
    float rings = floor(uP3.x * 6.0);
    if (rings > 0.0) ray *= 0.75 + 0.25 * step(0.5, fract(r * rings));
    // where rays converge faster than a pixel, show their average
    ray = mix(ray, 0.5 * (c1 + c2), smoothstep(0.2, 0.5, fw));
    vec3 col = mix(bg, ray, inRay);
    float rd = mix(0.0, 0.35, uP0.z);
    col = mix(col, ppalette(0.9, uP1, uP2), smoothstep(rd + px, rd - px, r));
    return col;
}
