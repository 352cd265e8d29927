// name: raymarch_noise_terrain
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.xy terrain offset, uP0.z relief height, uP0.w camera heading, uP1+uP2 palette, uP3.x sun azimuth, uP3.y sun elevation, uP3.z water level, uP3.w snow line and haze

// A value-noise heightfield (three octaves) marched with a relaxed step, coloured by height
// and slope (water, ground, rock, snow), with sun, sky and aerial haze.

float gAmp;

float terrain(vec2 x) {
    float h = 0.0, a = 0.5;
    for (int i = 0; i < 3; i++) {
        h += a * vnoise(x);
        x = mat2(1.6, 1.2, -1.2, 1.6) * x;
        a *= 0.5;
    }
    return h * gAmp;
}

vec2 map(vec3 p) {
    vec2 x = p.xz * 0.7 + uP0.xy * 40.0;
    return vec2(0.5 * (p.y - terrain(x)), 1.0);
}

vec3 calcNormal(vec3 p) {
    const vec2 e = vec2(1.0, -1.0) * 0.0015;
    return normalize(e.xyy * map(p + e.xyy).x + e.yyx * map(p + e.yyx).x +
                     e.yxy * map(p + e.yxy).x + e.xxx * map(p + e.xxx).x);
}

float softShadow(vec3 ro, vec3 rd, float k) {
    float res = 1.0, t = 0.03;
    for (int i = 0; i < 16; i++) {
        float h = map(ro + rd * t).x;
        res = min(res, k * h / t);
        t += clamp(h, 0.04, 0.8);
        if (res < 0.01 || t > 6.0) break;
    }
    return clamp(res, 0.0, 1.0);
}

mat3 lookAt(vec3 ro, vec3 ta) {
    vec3 w = normalize(ta - ro);
    vec3 u = normalize(cross(w, vec3(0.0, 1.0, 0.0)));
    return mat3(u, cross(u, w), w);
}

vec2 march(vec3 ro, vec3 rd, float tmax, float relax) {
    float t = 0.0, id = -1.0;
    vec2 h = vec2(1.0, -1.0);
    for (int i = 0; i < 48; i++) {
        h = map(ro + rd * t);
        if (h.x < 0.0015 * t) { id = h.y; break; }
        t += h.x * relax;
        if (t > tmax) break;
    }
    // Out of steps but still short of tmax: the ray is grazing a surface, so count it as a hit.
    if (id < 0.0 && t < tmax && h.x < 0.05 * t) id = h.y;
    return vec2(t, id);
}

vec3 shade(vec2 p) {
    gAmp = mix(1.2, 3.2, uP0.z);
    float hd = uP0.w * TAU;
    vec3 ro = vec3(0.0, 0.0, 0.0);
    ro.y = terrain(ro.xz * 0.7 + uP0.xy * 40.0) + mix(0.4, 1.2, uP3.w) + 0.3 * gAmp;
    vec3 ta = ro + vec3(cos(hd), -0.35, sin(hd));
    vec3 rd = lookAt(ro, ta) * normalize(vec3(p, 1.5));
    vec3 sun = normalize(vec3(cos(uP3.x * TAU), mix(0.1, 0.8, uP3.y), sin(uP3.x * TAU)));
    vec3 sky = mix(hsv2rgb(vec3(0.55 + 0.2 * uP2.w, 0.35, 0.95)), hsv2rgb(vec3(0.6 + 0.2 * uP2.w, 0.6, 0.55)), clamp(rd.y * 2.5, 0.0, 1.0));
    sky += vec3(1.0, 0.8, 0.5) * pow(clamp(dot(rd, sun), 0.0, 1.0), 32.0) * 0.5;
    vec2 hit = march(ro, rd, 20.0, 1.0);
    if (hit.y < 0.0) return clamp(sky, 0.0, 1.0);
    vec3 pos = ro + rd * hit.x;
    float water = mix(0.15, 0.45, uP3.z) * gAmp;
    vec3 nor = calcNormal(pos);
    float hN = pos.y / gAmp;
    vec3 ground = ppalette(0.2 + 0.3 * hN, uP1, uP2);
    vec3 rock = ppalette(0.6, uP2, uP1) * 0.5;
    vec3 alb = mix(rock, ground, smoothstep(0.6, 0.85, nor.y));
    alb = mix(alb, vec3(0.95), smoothstep(mix(0.6, 0.9, uP3.w), 1.0, hN) * smoothstep(0.5, 0.8, nor.y));
    if (pos.y < water) { alb = ppalette(0.9, uP1, uP2) * 0.35; nor = vec3(0.0, 1.0, 0.0); }
    float dif = clamp(dot(nor, sun), 0.0, 1.0);
    vec3 col = alb * (dif * 1.1 + 0.25 * sky);
    return clamp(mix(col, sky, 1.0 - exp(-hit.x * mix(0.04, 0.15, uP3.w))), 0.0, 1.0);
}
