// name: raymarch_box_city
// family: raymarch
// licence: MIT (shaderkd project)
// params: uP0.x camera azimuth, uP0.y camera height, uP0.z block spacing, uP0.w sun azimuth, uP1+uP2 palette, uP3.x building height range, uP3.y building width, uP3.z fog density, uP3.w sun elevation

// An endless grid of box buildings with hashed heights seen from above at an angle; the
// distance is capped at the cell border so the march never skips into a neighbouring cell.

float gSpace, gHmax, gWidth;
// Direction of the ray being marched (zero while taking normals): the step is capped at the
// exit from the current cell along it, so buildings in the next cell are never skipped.
vec3 gDir;

float sdBox3(vec3 p, vec3 b) {
    vec3 q = abs(p) - b;
    return length(max(q, 0.0)) + min(max(q.x, max(q.y, q.z)), 0.0);
}

vec2 map(vec3 p) {
    vec2 cell = floor(p.xz / gSpace);
    vec2 local = p.xz - (cell + 0.5) * gSpace;
    float h = 0.2 + gHmax * pow(hash12(cell + 3.7), 2.0);
    float d = sdBox3(vec3(local.x, p.y - 0.5 * h, local.y), vec3(gWidth * gSpace, 0.5 * h, gWidth * gSpace));
    if (dot(gDir, gDir) > 0.0) {
        vec2 dxz = gDir.xz + vec2(1e-5);
        vec2 tExit = (sign(dxz) * 0.5 * gSpace - local) / dxz;
        d = min(d, max(min(tExit.x, tExit.y), 0.0) + 0.01 * gSpace);
    }
    vec2 res = vec2(d, 1.0 + hash12(cell));
    if (p.y < res.x) res = vec2(p.y, 0.0);
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
    gSpace = mix(0.8, 1.6, uP0.z);
    gHmax = mix(0.8, 3.5, uP3.x);
    gWidth = mix(0.25, 0.42, uP3.y);
    float az = uP0.x * TAU;
    vec3 ro = vec3(uTime * 0.3, gHmax + mix(1.0, 4.0, uP0.y), 0.0);
    vec3 ta = vec3(ro.x, 0.0, 0.0) + vec3(cos(az), 0.0, sin(az)) * mix(3.0, 7.0, uP0.y);
    vec3 rd = lookAt(ro, ta) * normalize(vec3(p, 1.6));
    gDir = rd;
    float sunEl = mix(0.25, 1.0, uP3.w);
    vec3 lig = normalize(vec3(cos(uP0.w * TAU), sunEl, sin(uP0.w * TAU)));
    vec3 sky = mix(ppalette(0.9, uP2, uP1), vec3(0.85), 0.4) * mix(0.5, 1.1, sunEl);
    vec2 hit = march(ro, rd, 30.0, 1.0);
    if (hit.y < 0.0) return sky;
    vec3 pos = ro + rd * hit.x;
    gDir = vec3(0.0);
    vec3 nor = calcNormal(pos);
    vec3 alb = hit.y < 0.5 ? vec3(0.35) : ppalette(fract(hit.y) * 0.6, uP1, uP2);
    if (hit.y >= 0.5) {
        float u = abs(nor.x) > 0.5 ? pos.z : pos.x;
        float win = step(0.5, fract(pos.y * 4.0)) * step(0.35, fract(u * 3.0 / gSpace));
        alb *= mix(1.0, 0.6, win * (1.0 - abs(nor.y)));
    }
    gDir = lig;
    float dif = clamp(dot(nor, lig), 0.0, 1.0) * softShadow(pos + nor * 0.01, lig, 10.0);
    float amb = 0.4 + 0.6 * nor.y;
    vec3 col = alb * (dif * 1.2 + amb * 0.3 * sky);
    float fog = 1.0 - exp(-hit.x * mix(0.02, 0.12, uP3.z));
    return clamp(mix(col, sky, fog), 0.0, 1.0);
}
