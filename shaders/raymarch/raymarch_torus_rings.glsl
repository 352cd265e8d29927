// name: raymarch_torus_rings
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z ring thickness, uP0.w light azimuth, uP1+uP2 palette, uP3.xyz ring orientations, uP3.w floor tint

// Three interlocked tori with random orientations above a floor: rings, chains and gyroscopes.

mat3 gRot[3];
float gMinor;

mat3 rotXY(float a, float b) {
    float ca = cos(a), sa = sin(a), cb = cos(b), sb = sin(b);
    return mat3(cb, 0.0, -sb, 0.0, 1.0, 0.0, sb, 0.0, cb) * mat3(1.0, 0.0, 0.0, 0.0, ca, sa, 0.0, -sa, ca);
}

float sdTorus(vec3 p, vec2 t) { return length(vec2(length(p.xz) - t.x, p.y)) - t.y; }

vec2 map(vec3 p) {
    vec2 res = vec2(p.y + 1.3, 0.0);
    for (int i = 0; i < 3; i++) {
        vec3 q = gRot[i] * (p - vec3(float(i - 1) * 0.55, 0.0, 0.0));
        float d = sdTorus(q, vec2(0.7, gMinor));
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
    gMinor = mix(0.08, 0.25, uP0.z);
    gRot[0] = rotXY(uP3.x * PI, uP3.y * TAU);
    gRot[1] = rotXY(uP3.y * PI + 1.57, uP3.z * TAU);
    gRot[2] = rotXY(uP3.z * PI, uP3.x * TAU + 1.0 + uTime * 0.1);
    float az = uP0.x * TAU, el = mix(0.1, 0.9, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 3.6;
    vec3 rd = lookAt(ro, vec3(0.0, -0.1, 0.0)) * normalize(vec3(p, 1.6));
    vec3 sky = ppalette(0.3 + 0.3 * rd.y, uP2, uP1) * 0.7;
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), 1.0, sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 15.0, 1.0);
    if (hit.y < 0.0) return sky;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y < 0.5 ? mix(vec3(0.8), hsv2rgb(vec3(uP3.w, 0.5, 0.8)), 0.6) : ppalette(hit.y * 0.3, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 8.0);
    float spe = pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 32.0) * step(0.5, hit.y);
    vec3 col = alb * (0.2 * (0.5 + 0.5 * nor.y) + dif) + spe * 0.7;
    return clamp(mix(col, sky, 1.0 - exp(-0.01 * hit.x * hit.x)), 0.0, 1.0);
}
