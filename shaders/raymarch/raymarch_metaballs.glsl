// name: raymarch_metaballs
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z blend radius, uP0.w light azimuth, uP1+uP2 palette, uP3.x ball layout seed, uP3.y gloss, uP3.z floor on or off, uP3.w background brightness

// Blobby union of five moving spheres (polynomial smooth minimum), the colour blended along
// with the distance, shiny with a fresnel rim, optionally standing on a floor.

vec4 gBall[4];
float gK;

vec2 smin(vec2 a, vec2 b, float k) {
    float h = clamp(0.5 + 0.5 * (b.x - a.x) / k, 0.0, 1.0);
    return vec2(mix(b.x, a.x, h) - k * h * (1.0 - h), mix(b.y, a.y, h));
}

vec2 map(vec3 p) {
    vec2 res = vec2(length(p - gBall[0].xyz) - gBall[0].w, 0.0);
    for (int i = 1; i < 4; i++)
        res = smin(res, vec2(length(p - gBall[i].xyz) - gBall[i].w, float(i) * 0.25), gK);
    if (uP3.z > 0.4) {
        float fl = p.y + 1.0;
        if (fl < res.x) res = vec2(fl, 2.0);
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
    gK = mix(0.2, 0.8, uP0.z);
    for (int i = 0; i < 4; i++) {
        vec3 h = hash32(vec2(float(i) * 3.1 + 2.0, uP3.x * 57.3));
        vec3 c = (h - 0.5) * vec3(2.0, 1.0, 2.0);
        c += 0.3 * sin(uTime * 0.5 + TAU * h.zxy);
        gBall[i] = vec4(c, mix(0.35, 0.7, h.z));
    }
    float az = uP0.x * TAU, el = mix(0.0, 0.9, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 4.5;
    vec3 rd = lookAt(ro, vec3(0.0)) * normalize(vec3(p, 1.7));
    vec3 bg = ppalette(0.5 + 0.2 * p.y, uP2, uP1) * mix(0.1, 0.8, uP3.w);
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), 0.8, sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 12.0, 1.0);
    if (hit.y < 0.0) return bg;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y > 1.5 ? bg * 0.8 + 0.2 : ppalette(hit.y, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0);
    if (hit.y > 1.5) dif *= softShadow(pos + nor * 0.01, lig, 6.0);
    float gloss = mix(8.0, 64.0, uP3.y);
    float spe = pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), gloss);
    float fre = pow(clamp(1.0 + dot(rd, nor), 0.0, 1.0), 3.0);
    vec3 col = alb * (0.15 + 0.9 * dif) + spe * 0.8 + fre * bg * 0.8;
    return clamp(col, 0.0, 1.0);
}
