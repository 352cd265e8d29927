// name: raymarch_primitive_still_life
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z object kinds seed, uP0.w light azimuth, uP1+uP2 palette, uP3.x arrangement seed, uP3.y object size, uP3.z wall or open background, uP3.w floor colour

// A still life of four primitives chosen at random (box, cylinder, cone, octahedron, capsule,
// torus) arranged on a table, with a back wall or open sky.

vec4 gObj[4];
float gKind[4];

float sdPrim(vec3 q, float kind, float s) {
    if (kind < 1.0) { vec3 a = abs(q) - vec3(s * 0.8); return length(max(a, 0.0)) + min(max(a.x, max(a.y, a.z)), 0.0); }
    if (kind < 2.0) { vec2 d = abs(vec2(length(q.xz), q.y)) - vec2(s * 0.7, s); return min(max(d.x, d.y), 0.0) + length(max(d, 0.0)); }
    if (kind < 3.0) { vec3 a = abs(q); return (a.x + a.y + a.z - s * 1.3) * 0.57735; }
    if (kind < 4.0) { vec3 c = q; c.y -= clamp(c.y, -s * 0.6, s * 0.6); return length(c) - s * 0.5; }
    if (kind < 5.0) return length(vec2(length(q.xz) - s * 0.7, q.y)) - s * 0.3;
    // Cone with base radius s at y = -s and apex at y = s: the side plane's normal is (2, 1)/sqrt(5).
    vec2 w = vec2(length(q.xz), q.y);
    float side = dot(w - vec2(0.0, s), vec2(0.8944, 0.4472));
    return max(side, -(w.y + s));
}

vec2 map(vec3 p) {
    vec2 res = vec2(p.y, 0.0);
    if (uP3.z > 0.5) res.x = min(res.x, 4.0 - p.z);
    for (int i = 0; i < 4; i++) {
        vec3 q = p - gObj[i].xyz;
        // Far from an object its bounding sphere is distance enough, and much cheaper.
        float bound = length(q) - 1.6 * gObj[i].w;
        float d = bound;
        if (bound < 0.2) {
            q.xz = rot2(float(i) * 1.3 + uP3.x * 5.0) * q.xz;
            d = sdPrim(q, gKind[i], gObj[i].w);
        }
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
    float s = mix(0.35, 0.6, uP3.y);
    for (int i = 0; i < 4; i++) {
        vec3 h = hash32(vec2(float(i) * 5.7 + 0.3, uP3.x * 33.1));
        float a = float(i) * 1.5708 + (h.x - 0.5);
        float r = mix(0.7, 1.5, h.y);
        gKind[i] = floor(hash12(vec2(float(i) * 2.3, uP0.z * 71.0)) * 6.0);
        gObj[i] = vec4(r * cos(a), 0.0, r * sin(a), s * mix(0.8, 1.2, h.z));
        gObj[i].y = gKind[i] < 1.0 ? gObj[i].w * 0.8 : gKind[i] < 2.0 ? gObj[i].w : gKind[i] < 3.0 ? gObj[i].w * 1.3
                  : gKind[i] < 4.0 ? gObj[i].w * 1.1 : gKind[i] < 5.0 ? gObj[i].w * 0.3 : gObj[i].w;
    }
    float az = mix(-2.6, -0.5, uP0.x), el = mix(0.25, 0.9, uP0.y);
    vec3 ro = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el)) * 4.3;
    vec3 rd = lookAt(ro, vec3(0.0, 0.4, 0.0)) * normalize(vec3(p, 1.7));
    vec3 sky = ppalette(0.6 + 0.2 * rd.y, uP2, uP1) * 0.8;
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), 1.0, sin(uP0.w * TAU)));
    vec2 hit = march(ro, rd, 16.0, 0.9);
    if (hit.y < 0.0) return sky;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y < 0.5 ? hsv2rgb(vec3(uP3.w, 0.3, 0.7)) : ppalette(hit.y * 0.23 + uP0.z, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 10.0);
    float spe = pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 32.0) * step(0.5, hit.y);
    vec3 col = alb * (0.22 * (0.5 + 0.5 * nor.y) + dif) + 0.4 * spe;
    return clamp(mix(col, sky, 1.0 - exp(-0.005 * hit.x * hit.x)), 0.0, 1.0);
}
