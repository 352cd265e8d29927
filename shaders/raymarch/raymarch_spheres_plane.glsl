// name: raymarch_spheres_plane
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z camera distance, uP0.w light azimuth, uP1+uP2 palette, uP3.x sphere layout seed, uP3.y floor pattern (plain, checker, stripes), uP3.z floor scale, uP3.w sky hue

// Four spheres of random size and colour resting on a patterned floor, one key light with
// soft shadows, a sky gradient and distance fog.

vec4 gSph[4];

vec2 map(vec3 p) {
    vec2 res = vec2(p.y, 0.0);
    for (int i = 0; i < 4; i++) {
        float d = length(p - gSph[i].xyz) - gSph[i].w;
        if (d < res.x) res = vec2(d, float(i + 1));
    }
    return res;
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
    for (int i = 0; i < 4; i++) {
        vec3 h = hash32(vec2(float(i) * 7.13 + 1.0, uP3.x * 91.7));
        float r = mix(0.25, 0.7, h.z);
        float a = float(i) * 1.5708 + h.x * 1.2;
        float rr = mix(0.4, 1.6, h.y);
        gSph[i] = vec4(rr * cos(a), r, rr * sin(a), r);
    }
    float az = uP0.x * TAU, el = mix(0.15, 0.8, uP0.y), dist = mix(3.5, 6.5, uP0.z);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * dist;
    vec3 rd = lookAt(ro, vec3(0.0, 0.3, 0.0)) * normalize(vec3(p, 1.8));
    vec3 sky = mix(hsv2rgb(vec3(uP3.w, 0.4, 0.9)), hsv2rgb(vec3(uP3.w + 0.1, 0.7, 0.4)), clamp(rd.y * 2.0, 0.0, 1.0));
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), mix(0.4, 1.2, uP0.y), sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 20.0, 1.0);
    if (hit.y < 0.0) return sky;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb;
    if (hit.y < 0.5) {
        float f = mix(1.0, 4.0, uP3.z);
        float pat = uP3.y < 0.33 ? 0.5 : uP3.y < 0.66 ? mod(floor(pos.x * f) + floor(pos.z * f), 2.0)
                                                        : step(0.5, fract(pos.x * f * 0.5));
        alb = mix(ppalette(0.8, uP2, uP1), vec3(0.9), 0.5) * (0.5 + 0.5 * pat);
    } else {
        alb = ppalette(hit.y * 0.27, uP1, uP2);
    }
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 8.0);
    float spe = pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 24.0) * step(0.5, hit.y);
    float amb = 0.5 + 0.5 * nor.y;
    vec3 col = alb * (dif * 1.1 + amb * 0.25 * sky) + spe * 0.6;
    return clamp(mix(col, sky, 1.0 - exp(-0.004 * hit.x * hit.x)), 0.0, 1.0);
}
