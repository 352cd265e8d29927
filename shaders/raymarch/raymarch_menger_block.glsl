// name: raymarch_menger_block
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z iterations 1..3, uP0.w light azimuth, uP1+uP2 palette, uP3.x hole size, uP3.y block rotation, uP3.z colour by hole depth, uP3.w floor brightness

// A Menger-sponge-like block: a box minus crosses at up to three scales, with variable hole size,
// on a floor under one soft-shadowed light.

int gIter;
float gHole;
mat2 gRotY;

float sdBox3(vec3 p, vec3 b) {
    vec3 q = abs(p) - b;
    return length(max(q, 0.0)) + min(max(q.x, max(q.y, q.z)), 0.0);
}

vec2 map(vec3 p) {
    vec3 q = p;
    q.xz = gRotY * q.xz;
    float d = sdBox3(q, vec3(1.0));
    float s = 1.0, depth = 0.0;
    for (int i = 0; i < 3; i++) {
        if (i >= gIter) break;
        vec3 a = mod(q * s, 2.0) - 1.0;
        s *= 3.0;
        vec3 r = abs(1.0 - 3.0 * abs(a));
        float da = max(r.x, r.y), db = max(r.y, r.z), dc = max(r.z, r.x);
        float c = (min(da, min(db, dc)) - gHole) / s;
        if (c > d) { d = c; depth = float(i + 1); }
    }
    vec2 res = vec2(d, 1.0 + depth);
    float fl = p.y + 1.0;
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
    gIter = 1 + int(uP0.z * 3.0);
    gHole = mix(0.8, 1.2, uP3.x);
    gRotY = rot2(uP3.y * TAU);
    float az = uP0.x * TAU, el = mix(0.2, 0.9, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 4.2;
    vec3 rd = lookAt(ro, vec3(0.0)) * normalize(vec3(p, 1.6));
    vec3 bg = ppalette(0.75, uP2, uP1) * 0.5;
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), 1.1, sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 12.0, 1.0);
    if (hit.y < 0.0) return bg;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y < 0.5 ? vec3(mix(0.2, 0.9, uP3.w)) : ppalette(uP3.z > 0.5 ? hit.y * 0.25 : 0.1, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 10.0);
    vec3 col = alb * (0.18 * (0.6 + 0.4 * nor.y) + dif);
    return clamp(mix(col, bg, 1.0 - exp(-0.006 * hit.x * hit.x)), 0.0, 1.0);
}
