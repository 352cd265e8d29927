// name: gradient_posterised
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x level count, uP0.y field frequency, uP0.z field type (waves / blobs / ramp), uP0.w seed, uP1+uP2 palette, uP3.x band edge shading, uP3.y ramp direction, uP3.z palette span, uP3.w level offset

vec3 shade(vec2 p) {
    float fq = mix(0.6, 2.5, uP0.y);
    float v;
    vec2 dir = vec2(cos(uP3.y * TAU), sin(uP3.y * TAU));
    if (uP0.z < 0.33) {
        v = 0.5 + 0.25 * (sin(dot(p, dir) * fq * 2.0 + uP0.w * 9.0) + sin(dot(p, vec2(-dir.y, dir.x)) * fq * 1.3 + uP0.w * 3.0 + sin(p.x * fq)));
    } else if (uP0.z < 0.66) {
        v = fbm(p * fq + uP0.w * 17.0, 3);
        v = (v - 0.25) * 1.8;
    } else {
        v = dot(p, dir) * 0.35 + 0.5 + 0.15 * sin(length(p - dir * 0.5) * fq * 3.0);
    }
    float L = floor(mix(3.0, 10.0, uP0.x));
    float u = v * L + uP3.w;
    float lev = floor(u);
    vec3 col = ppalette(lev / L * mix(0.4, 1.0, uP3.z), uP1, uP2);
    // optional bevel: darken toward the upper edge of every band
    col *= 1.0 - uP3.x * 0.35 * smoothstep(0.6, 1.0, fract(u));
    return col;
}
