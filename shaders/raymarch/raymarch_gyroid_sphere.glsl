// name: raymarch_gyroid_sphere
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z gyroid frequency, uP0.w wall thickness, uP1+uP2 palette, uP3.x bounding shape (sphere or box), uP3.y light azimuth, uP3.z colour by depth or by normal, uP3.w background

// A thickened gyroid (sin.cos triply periodic surface) clipped to a sphere or a box: a porous
// coral-like solid floating over a floor.

float gF, gT;

vec2 map(vec3 p) {
    vec3 q = p * gF;
    float g = abs(dot(sin(q), cos(q.zxy))) / gF - gT;
    vec3 b = abs(p) - vec3(0.9);
    float bound = uP3.x > 0.5 ? length(p) - 1.1 : length(max(b, 0.0)) + min(max(b.x, max(b.y, b.z)), 0.0);
    vec2 res = vec2(max(g * 0.6, bound), 1.0);
    float fl = p.y + 1.4;
    if (fl < res.x) res = vec2(fl, 0.0);
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
    gF = mix(3.0, 8.0, uP0.z);
    gT = mix(0.03, 0.12, uP0.w);
    float az = uP0.x * TAU, el = mix(0.1, 0.9, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 3.6;
    vec3 rd = lookAt(ro, vec3(0.0, -0.2, 0.0)) * normalize(vec3(p, 1.7));
    vec3 bg = ppalette(0.1 + 0.2 * rd.y, uP2, uP1) * mix(0.15, 0.9, uP3.w);
    vec3 lig = normalize(vec3(cos(uP3.y * TAU), 0.9, sin(uP3.y * TAU)));
    vec2 hit = march(ro, rd, 12.0, 0.9);
    if (hit.y < 0.0) return bg;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y < 0.5 ? bg * 0.7 + 0.15 : ppalette(uP3.z > 0.5 ? length(pos) * 0.7 : dot(nor, vec3(0.5)) + 0.5, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 8.0);
    float occ = clamp(map(pos + nor * 0.1).x / 0.1, 0.0, 1.0);
    vec3 col = alb * (0.2 * occ + dif);
    col += pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 16.0) * 0.3 * hit.y;
    return clamp(col, 0.0, 1.0);
}
