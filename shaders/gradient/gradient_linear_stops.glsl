// name: gradient_linear_stops
// family: gradient
// licence: MIT (shaderkd project)
// params: uP0.x stop count, uP0.y direction, uP0.z span (repeats), uP0.w stop seed, uP1 hue/saturation of stops, uP2 value range, uP3.x hard vs smooth stops, uP3.y mirrored repeat, uP3.z curvature of the gradient axis, uP3.w offset

vec3 stopColour(float i) {
    float h = hash11(i * 1.73 + uP0.w * 41.0);
    float hue = fract(uP1.x + h * mix(0.15, 1.0, uP1.y));
    float sat = mix(0.15, 1.0, fract(uP1.z + h * 3.7));
    float val = mix(mix(0.05, 0.6, uP2.x), mix(0.6, 1.0, uP2.y), fract(h * 7.3 + uP2.z));
    return hsv2rgb(vec3(hue, sat, val));
}

vec3 shade(vec2 p) {
    float a = uP0.y * TAU;
    vec2 dir = vec2(cos(a), sin(a));
    float t = dot(p, dir) + mix(-0.4, 0.4, uP3.z) * dot(p, vec2(-dir.y, dir.x)) * dot(p, vec2(-dir.y, dir.x));
    float k = floor(mix(2.0, 7.0, uP0.x));
    float span = mix(0.4, 2.5, uP0.z);
    float u = (t / 3.0 + 0.5 + uP3.w) * span;
    if (uP3.y > 0.5) u = 1.0 - abs(1.0 - mod(u, 2.0)); else u = fract(u);
    float su = u * (k - 1.0);
    float i = floor(su), f = fract(su);
    float hard = uP3.x;
    f = mix(smoothstep(0.0, 1.0, f), smoothstep(0.5 - 0.02, 0.5 + 0.02, f), step(0.6, hard));
    return mix(stopColour(i), stopColour(i + 1.0), f);
}
