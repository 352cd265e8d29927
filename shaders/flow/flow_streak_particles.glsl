// name: flow_streak_particles
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x field frequency, uP0.y particle density, uP0.z trail length, uP0.w field seed, uP1+uP2 palette, uP3.x trail width, uP3.y background tint, uP3.z dark/light, uP3.w mean wind strength

// wave vectors and phases are set up once per pixel
vec3 gWave[2];
vec2 gMean;

void setupWind(float fq) {
    for (int i = 0; i < 2; i++) {
        vec3 h = hash32(vec2(float(i) * 9.1, uP0.w * 41.0));
        float a = h.x * TAU;
        gWave[i] = vec3(vec2(cos(a), sin(a)) * fq * mix(0.6, 1.4, h.y), h.z * TAU);
    }
    float a = uP0.w * 29.0;
    gMean = uP3.w * 1.5 * vec2(cos(a), sin(a));
}

// smooth cosine stand-in without transcendental calls (within 0.02 of cos)
float pcos(float x) { return 1.0 - 2.0 * smoothstep(0.0, 1.0, abs(fract(x * (1.0 / TAU) + 0.5) * 2.0 - 1.0)); }

vec2 wind(vec2 p) {
    vec2 v = gMean;
    for (int i = 0; i < 2; i++) {
        vec2 k = gWave[i].xy;
        vec2 g = k * (pcos(dot(k, p) + gWave[i].z) / length(k));
        v += vec2(g.y, -g.x);
    }
    return v;
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float fq = mix(1.0, 3.0, uP0.x);
    setupWind(fq);
    float g = mix(3.0, 7.0, uP0.y);
    float tl = mix(0.15, 0.5, uP0.z) / g;
    float w = mix(0.004, 0.015, uP3.x);
    bool dark = uP3.z < 0.5;
    vec3 col = dark ? vec3(0.02, 0.03, 0.05) : vec3(0.95, 0.94, 0.9);
    vec2 v0 = wind(p);
    col = mix(col, ppalette(length(v0) * 0.3, uP1, uP2) * (dark ? 0.4 : 1.0), uP3.y * 0.4);
    vec2 x = p * g;
    // trails run upstream from their heads, so the heads that can reach this pixel lie downstream:
    // search the 2x2 block of cells around a point half a trail ahead
    vec2 ahead = x + normalize(v0 + 1e-5) * (1.2 * tl * g * min(length(v0), 2.0));
    vec2 id = floor(ahead - 0.5);
    float best = 1e9, bt = 0.0, bm = 0.0;
    for (int j = 0; j <= 1; j++)
    for (int i = 0; i <= 1; i++) {
        vec2 cid = id + vec2(float(i), float(j));
        vec2 pos = (cid + hash22(cid + uP0.w * 11.0)) / g;
        float m = 0.0;
        // the trail follows the field backwards from the particle's head
        for (int k = 0; k < 4; k++) {
            vec2 v = wind(pos);
            m = max(m, length(v));
            vec2 np = pos - normalize(v + 1e-5) * tl * 0.6 * min(length(v), 2.0);
            float d = sdSegment(p, pos, np);
            float t = float(k) / 4.0;
            if (d < best) { best = d; bt = t; bm = m; }
            pos = np;
        }
    }
    float wt = w * (1.0 - bt * 0.8);
    vec3 c = ppalette(bm * 0.3 + 0.1, uP1, uP2);
    if (!dark) c *= 0.55;
    return mix(col, c, smoothstep(wt + px, wt - px, best) * (1.0 - bt * 0.6));
}
