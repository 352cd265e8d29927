// name: noise_fire_turbulence
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z flame scale, uP0.w rotation of the updraft, uP1.x hue shift, uP1.y fuel height, uP1.z intensity, uP1.w smoke, uP2.x octaves, uP2.y warp, uP2.z stretch, uP2.w background, uP3.x flame detail frequency, uP3.y flicker speed, uP3.z embers, uP3.w tongue sharpness

// Flames from upward-scrolling turbulence, stretched vertically, fading with height, mapped through
// a black-body-like ramp whose hue can be shifted to make chemical fires.
vec3 heat(float x, float hueShift) {
    vec3 c = clamp(vec3(x * 3.0, x * 3.0 - 1.0, x * 3.0 - 2.0), 0.0, 1.0);
    vec3 h = hsv2rgb(vec3(hueShift, 0.9, 1.0));
    return mix(c, c.yzx * 0.3 + c.x * h, step(0.5, fract(hueShift * 3.0)) * 0.8);
}

vec3 shade(vec2 p) {
    vec2 r = rot2((uP0.w - 0.5) * 1.2) * p;
    float sc = mix(1.5, 4.0, uP0.z) * mix(0.7, 1.4, uP3.x);
    vec2 q = r * sc * vec2(1.0, 1.0 / mix(1.0, 2.5, uP2.z)) + uP0.xy * 20.0;
    int oct = 3 + int(uP2.x * 4.0);
    float t = uTime * mix(0.3, 1.2, uP3.y);
    vec2 w = vec2(fbm(q + vec2(0.0, -t), 3), fbm(q + vec2(4.1, -t * 1.3), 3));
    float f = fbm(q + mix(0.5, 3.0, uP2.y) * w + vec2(0.0, -t), oct);
    float base = mix(-1.0, 0.3, uP1.y);
    float falloff = clamp(1.0 - (r.y - base) * 0.7, 0.0, 1.5);
    float x = f * falloff * mix(1.2, 2.0, uP1.z) - 0.25;
    x = pow(clamp(x, 0.0, 1.0), mix(0.7, 1.6, uP3.w));
    vec3 col = heat(clamp(x, 0.0, 1.0), uP1.x);
    vec3 smoke = vec3(0.25) * uP1.w * smoothstep(0.2, 0.6, f) * (1.0 - falloff * 0.5);
    vec3 bg = hsv2rgb(vec3(uP1.x + 0.5, 0.5, 0.12 * uP2.w));
    float ember = step(1.0 - 0.03 * uP3.z, hash12(floor(q * 12.0 + vec2(0.0, -t * 4.0)))) * smoothstep(0.2, 0.6, falloff);
    return clamp(col + smoke + bg + ember * heat(0.8, uP1.x), 0.0, 1.0);
}
