// name: flow_hedgehog
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x field frequency, uP0.y glyph density, uP0.z glyph length scale, uP0.w field seed, uP1+uP2 palette, uP3.x arrow heads, uP3.y background streak tint, uP3.z dark/light, uP3.w colour by magnitude vs angle

// wave vectors and phases are set up once per pixel (trigonometry is costly on a software rasteriser)
vec3 gWave[3];

void setupWaves(float fq) {
    for (int i = 0; i < 3; i++) {
        vec3 h = hash32(vec2(uP0.w * 23.0, float(i)));
        float a = h.x * TAU;
        gWave[i] = vec3(vec2(cos(a), sin(a)) * fq * mix(0.6, 1.4, h.y), h.z * TAU);
    }
}

vec2 field(vec2 p) {
    vec2 v = vec2(0.0);
    bool curl = fract(uP0.w * 5.0) < 0.5;
    for (int i = 0; i < 3; i++) {
        vec2 k = gWave[i].xy;
        vec2 g = k * (cos(dot(k, p) + gWave[i].z) / length(k));
        v += curl ? vec2(g.y, -g.x) : g;
    }
    return v;
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float fq = mix(1.0, 3.5, uP0.x);
    setupWaves(fq);
    float g = mix(5.0, 14.0, uP0.y);
    vec2 x = p * g * 0.5;
    bool dark = uP3.z < 0.5;
    vec3 bg = dark ? vec3(0.03, 0.03, 0.06) : vec3(0.95, 0.94, 0.9);
    vec2 vp = field(p);
    bg = mix(bg, ppalette(atan(vp.y, vp.x) / TAU, uP1, uP2), uP3.y * 0.35);
    vec3 col = bg;
    vec2 id = floor(x);
    float best = 1e9;
    vec2 bv = vec2(1.0, 0.0);
    for (int j = -1; j <= 1; j++)
    for (int i = -1; i <= 1; i++) {
        vec2 cid = id + vec2(float(i), float(j));
        vec2 c = (cid + 0.5) / (g * 0.5);
        vec2 v = field(c);
        float m = length(v);
        vec2 d = v / max(m, 1e-4);
        float L = mix(0.4, 1.1, uP0.z) / (g * 0.5) * clamp(m * 0.6, 0.25, 1.4);
        vec2 a = c - d * L * 0.5, b = c + d * L * 0.5;
        float w = 0.09 / (g * 0.5);
        float dist = sdSegment(p, a, b) - w * 0.5;
        if (uP3.x > 0.4) {
            vec2 nrm = vec2(-d.y, d.x);
            dist = min(dist, min(sdSegment(p, b, b - d * L * 0.35 + nrm * L * 0.2), sdSegment(p, b, b - d * L * 0.35 - nrm * L * 0.2)) - w * 0.5);
        }
        if (dist < best) { best = dist; bv = v; }
    }
    float m = length(bv);
    vec3 cc = uP3.w < 0.5 ? ppalette(m * 0.3, uP1, uP2) : ppalette(atan(bv.y, bv.x) / TAU, uP1, uP2);
    if (!dark) cc *= 0.6;
    col = mix(col, cc, smoothstep(px, -px, best));
    return col;
}
