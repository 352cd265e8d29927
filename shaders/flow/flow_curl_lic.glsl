// name: flow_curl_lic
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x field frequency, uP0.y streak length, uP0.z noise grain, uP0.w field seed, uP1+uP2 palette, uP3.x colour by direction vs potential, uP3.y contrast, uP3.z dark/light, uP3.w number of field modes

// divergence-free flow: perpendicular gradient of a sum of plane waves (a stream function).
// The wave vectors are set up once per pixel: trigonometry is costly on a software rasteriser.
vec3 gWave[6];   // xy wave vector (already scaled by its amplitude in z's partner gAmp), z phase
float gAmp[6];
int gModes;

void setupWaves(float fq, int modes) {
    gModes = modes;
    for (int i = 0; i < 6; i++) {
        float fi = float(i);
        vec3 h = hash32(vec2(uP0.w * 37.0, fi));
        float a = h.x * TAU;
        gWave[i] = vec3(vec2(cos(a), sin(a)) * fq * mix(0.6, 1.5, h.y), h.z * TAU);
        gAmp[i] = 1.0 / (1.0 + fi * 0.5);
    }
}

vec2 flowDir(vec2 p) {
    vec2 g = vec2(0.0);
    for (int i = 0; i < 6; i++) {
        if (i >= gModes) break;
        g += gWave[i].xy * (cos(dot(gWave[i].xy, p) + gWave[i].z) * gAmp[i]);
    }
    return normalize(vec2(g.y, -g.x) + 1e-5);
}

vec3 shade(vec2 p) {
    float fq = mix(1.0, 4.0, uP0.x);
    int modes = 2 + int(uP3.w * 4.0);
    setupWaves(fq, modes);
    float len = mix(0.1, 0.45, uP0.y);
    float grain = mix(18.0, 50.0, uP0.z);
    float h = len / 9.0;
    float acc = gnoise(p * grain), ws = 1.0;
    vec2 qf = p, qb = p;
    for (int k = 1; k <= 9; k++) {
        float w = 1.0 - float(k) / 10.0;
        qf += flowDir(qf) * h;
        qb -= flowDir(qb) * h;
        acc += w * (gnoise(qf * grain) + gnoise(qb * grain));
        ws += 2.0 * w;
    }
    float v = acc / ws;
    v = clamp(0.5 + (v - 0.5) * mix(3.0, 7.0, uP3.y), 0.0, 1.0);
    vec2 d = flowDir(p);
    float key = uP3.x < 0.5 ? atan(d.y, d.x) / TAU : dot(p, vec2(0.3, 0.2)) + 0.2 * d.x;
    vec3 c = ppalette(key, uP1, uP2);
    vec3 col = uP3.z < 0.5 ? c * v : mix(vec3(0.97), c * 0.8, v);
    return col;
}
