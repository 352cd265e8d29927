// name: plasma_ripple_surface
// family: plasma
// licence: MIT (shaderkd project)
// params: uP0.x drop count 2..6, uP0.y drop layout seed, uP0.z ripple wave number, uP0.w light azimuth, uP1+uP2 palette, uP3.x ripple decay, uP3.y drop ages, uP3.z shininess, uP3.w water depth tint

// A water surface after a few drops: expanding damped ring ripples add up to a height field,
// shaded from its analytic gradient with a diffuse term and a sharp highlight.
vec3 shade(vec2 p) {
    int n = 2 + int(uP0.x * 5.0);
    float k = mix(8.0, 22.0, uP0.z);
    vec2 grad = vec2(0.0);
    float h = 0.0;
    for (int i = 0; i < 6; i++) {
        if (i >= n) break;
        vec3 r = hash32(vec2(float(i) * 2.3, uP0.y * 77.0));
        vec2 c = (r.xy - 0.5) * 2.4;
        float age = mix(0.3, 1.5, fract(r.z + uP3.y)) + fract(uTime * 0.05);
        vec2 d = p - c;
        float dist = length(d) + 1e-4;
        float front = age * 1.0;
        float env = exp(-mix(1.0, 4.0, uP3.x) * abs(dist - front)) / (1.0 + 2.0 * age);
        float ph = k * (dist - front);
        h += env * sin(ph);
        grad += env * k * cos(ph) * d / dist;
    }
    vec3 nor = normalize(vec3(-grad * 0.08, 1.0));
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), sin(uP0.w * TAU), 1.2));
    float dif = clamp(dot(nor, lig), 0.0, 1.0);
    float spe = pow(clamp(dot(reflect(-lig, nor), vec3(0.0, 0.0, 1.0)), 0.0, 1.0), mix(10.0, 80.0, uP3.z));
    vec3 water = ppalette(0.5 + 0.1 * h, uP1, uP2) * mix(0.4, 1.0, uP3.w);
    return clamp(water * (0.4 + 0.8 * dif) + spe * 0.8, 0.0, 1.0);
}
