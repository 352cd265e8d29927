// name: raymarch_twisted_columns
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z twist rate, uP0.w light azimuth, uP1+uP2 palette, uP3.x column count 1..3, uP3.y cross-section roundness, uP3.z column width, uP3.w floor pattern scale

// Twisted columns (a rounded square section rotated with height) standing on a tiled floor.
// Twisting stretches the field, so the march step is relaxed.

float gTwist, gRound, gW;
int gCount;

vec2 map(vec3 p) {
    vec2 res = vec2(p.y + 1.2, 0.0);
    for (int i = 0; i < 3; i++) {
        if (i >= gCount) break;
        vec3 q = p - vec3((float(i) - 0.5 * float(gCount - 1)) * 1.1, 0.0, 0.0);
        float bound = max(length(q.xz) - 1.5 * gW, abs(q.y) - 1.2);
        if (bound > 0.2) { if (bound < res.x) res = vec2(bound, float(i + 1)); continue; }
        q.xz = rot2(q.y * gTwist + float(i)) * q.xz;
        vec2 b = abs(q.xz) - vec2(gW - gRound);
        float sec = length(max(b, 0.0)) + min(max(b.x, b.y), 0.0) - gRound;
        float d = max(sec, abs(q.y) - 1.2);
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
    gTwist = mix(0.4, 2.0, fract(uP0.z * 2.0)) * (uP0.z > 0.5 ? 1.0 : -1.0);
    gCount = 1 + int(uP3.x * 3.0);
    gW = mix(0.2, 0.4, uP3.z);
    gRound = gW * mix(0.0, 0.6, uP3.y);
    float az = uP0.x * TAU, el = mix(0.05, 0.7, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 4.2;
    vec3 rd = lookAt(ro, vec3(0.0)) * normalize(vec3(p, 1.6));
    vec3 bg = ppalette(0.4 + 0.3 * rd.y, uP2, uP1) * 0.6;
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), 0.9, sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 14.0, 0.8);
    if (hit.y < 0.0) return bg;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb;
    if (hit.y < 0.5) {
        vec2 t = floor(pos.xz * mix(1.0, 3.0, uP3.w));
        alb = mix(vec3(0.25), vec3(0.75), mod(t.x + t.y, 2.0)) * mix(vec3(1.0), bg * 1.5, 0.4);
    } else alb = ppalette(hit.y * 0.3 + pos.y * 0.1, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 8.0);
    float spe = pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 24.0) * step(0.5, hit.y);
    vec3 col = alb * (0.2 + dif) + spe * 0.5;
    return clamp(mix(col, bg, 1.0 - exp(-0.008 * hit.x * hit.x)), 0.0, 1.0);
}
