// name: raymarch_lattice_flythrough
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.xy camera direction, uP0.z cell size, uP0.w element shape (sphere to rounded box to rods), uP1+uP2 palette, uP3.x element size, uP3.y fog density, uP3.z colour by cell or by normal, uP3.w travel axis and light tint

// Inside an infinite 3D lattice of spheres, rounded cubes or crossing rods (domain repetition),
// flying along a random direction; fog gives the depth.

float gCell, gSize, gShape;

vec2 map(vec3 p) {
    vec3 id = floor(p / gCell + 0.5);
    vec3 q = p - id * gCell;
    float sph = length(q) - gSize;
    vec3 a = abs(q) - vec3(gSize * 0.8);
    float box = length(max(a, 0.0)) + min(max(a.x, max(a.y, a.z)), 0.0) - gSize * 0.2;
    vec3 aq = abs(q);
    float rods = min(min(length(aq.xy), length(aq.yz)), length(aq.zx)) - gSize * 0.3;
    float d = gShape < 0.33 ? sph : gShape < 0.66 ? box : rods;
    return vec2(d, hash13(id + 0.5));
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
    gCell = mix(1.0, 2.0, uP0.z);
    gSize = gCell * mix(0.15, 0.32, uP3.x);
    gShape = uP0.w;
    float az = uP0.x * TAU, el = (uP0.y - 0.5) * 1.2;
    vec3 dir = vec3(cos(az) * cos(el), sin(el), sin(az) * cos(el));
    // Travel along an axis through the gaps (every coordinate but one stays at half a cell),
    // which never passes through an element, while looking in a random direction.
    vec3 axis = uP3.w < 0.33 ? vec3(1.0, 0.0, 0.0) : uP3.w < 0.66 ? vec3(0.0, 1.0, 0.0) : vec3(0.0, 0.0, 1.0);
    vec3 ro = vec3(0.5 * gCell) + axis * uTime * 0.2;
    vec3 rd = lookAt(ro, ro + dir) * normalize(vec3(p, 1.5));
    vec3 fogc = ppalette(0.7, uP2, uP1) * 0.6;
    vec2 hit = march(ro, rd, 25.0, 1.0);
    if (hit.y < 0.0) return fogc;
    vec3 pos = ro + rd * hit.x;
    vec3 nor = calcNormal(pos);
    vec3 lig = normalize(vec3(0.4, 0.8, -0.3));
    vec3 alb = ppalette(uP3.z > 0.5 ? hit.y : dot(nor, vec3(0.3, 0.5, 0.2)) + 0.5, uP1, uP2);
    float dif = clamp(dot(nor, lig), 0.0, 1.0);
    float head = clamp(dot(nor, -rd), 0.0, 1.0);
    vec3 lc = mix(vec3(1.0), hsv2rgb(vec3(uP3.w, 0.6, 1.0)), 0.6);
    vec3 col = alb * (0.15 + 0.6 * dif * lc + 0.5 * head);
    col += pow(clamp(dot(reflect(rd, nor), lig), 0.0, 1.0), 20.0) * 0.4;
    return clamp(mix(col, fogc, 1.0 - exp(-hit.x * mix(0.05, 0.25, uP3.y))), 0.0, 1.0);
}
