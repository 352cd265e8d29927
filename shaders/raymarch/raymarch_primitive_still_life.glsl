// name: raymarch_primitive_still_life
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera elevation, uP0.z object kinds seed, uP0.w light azimuth, uP1+uP2 palette, uP3.x arrangement seed, uP3.y object size, uP3.z wall or open background, uP3.w floor colour

// A still life of four primitives on a table, with a back wall or open sky. Each of the four
// slots picks one of two kinds (box or octahedron, cylinder or cone, capsule or torus, cylinder or
// octahedron), so a scene evaluates 8 shapes per step instead of all 6 kinds for every object.

vec4 gObj[4];
float gPick[4];

float sdBoxP(vec3 q, float s) { vec3 a = abs(q) - vec3(s * 0.8); return length(max(a, 0.0)) + min(max(a.x, max(a.y, a.z)), 0.0); }
float sdCylP(vec3 q, float s) { vec2 d = abs(vec2(length(q.xz), q.y)) - vec2(s * 0.7, s); return min(max(d.x, d.y), 0.0) + length(max(d, 0.0)); }
float sdOctP(vec3 q, float s) { vec3 a = abs(q); return (a.x + a.y + a.z - s * 1.3) * 0.57735; }
float sdCapP(vec3 q, float s) { vec3 c = q; c.y -= clamp(c.y, -s * 0.6, s * 0.6); return length(c) - s * 0.5; }
float sdTorP(vec3 q, float s) { return length(vec2(length(q.xz) - s * 0.7, q.y)) - s * 0.3; }
// Cone with base radius s at y = -s and apex at y = s: the side plane's normal is (2, 1)/sqrt(5).
float sdConeP(vec3 q, float s) { vec2 w = vec2(length(q.xz), q.y); return max(dot(w - vec2(0.0, s), vec2(0.8944, 0.4472)), -(w.y + s)); }

// Height of the centre above the table for each slot and pick, so every shape rests on it.
float restHeight(int slot, float pick, float s) {
    if (slot == 0) return pick > 0.5 ? s * 0.8 : s * 1.3;
    if (slot == 1) return s;
    if (slot == 2) return pick > 0.5 ? s * 1.1 : s * 0.3;
    return pick > 0.5 ? s : s * 1.3;
}

vec3 local(vec3 p, int i) {
    vec3 q = p - gObj[i].xyz;
    q.xz = rot2(float(i) * 1.3 + uP3.x * 5.0) * q.xz;
    return q;
}

vec2 map(vec3 p) {
    vec2 res = vec2(p.y, 0.0);
    if (uP3.z > 0.5) res.x = min(res.x, 4.0 - p.z);
    float d0 = gPick[0] > 0.5 ? sdBoxP(local(p, 0), gObj[0].w) : sdOctP(local(p, 0), gObj[0].w);
    float d1 = gPick[1] > 0.5 ? sdCylP(local(p, 1), gObj[1].w) : sdConeP(local(p, 1), gObj[1].w);
    float d2 = gPick[2] > 0.5 ? sdCapP(local(p, 2), gObj[2].w) : sdTorP(local(p, 2), gObj[2].w);
    float d3 = gPick[3] > 0.5 ? sdCylP(local(p, 3), gObj[3].w) : sdOctP(local(p, 3), gObj[3].w);
    if (d0 < res.x) res = vec2(d0, 1.0);
    if (d1 < res.x) res = vec2(d1, 2.0);
    if (d2 < res.x) res = vec2(d2, 3.0);
    if (d3 < res.x) res = vec2(d3, 4.0);
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
        gPick[i] = step(0.5, hash12(vec2(float(i) * 2.3, uP0.z * 71.0)));
        float si = s * mix(0.8, 1.2, h.z);
        gObj[i] = vec4(r * cos(a), restHeight(i, gPick[i], si), r * sin(a), si);
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
