// name: flow_advected_grid
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x flow frequency, uP0.y advection time, uP0.z pattern (grid/checker/dots), uP0.w flow seed, uP1+uP2 palette, uP3.x pattern scale, uP3.y line width, uP3.z dark/light, uP3.w vortex strength vs shear

// wave vectors and phases are set up once per pixel (trigonometry is costly on a software rasteriser)
vec3 gWave[4];
vec2 gDrift;

void setupWaves(float fq) {
    for (int i = 0; i < 4; i++) {
        vec3 h = hash32(vec2(float(i), uP0.w * 91.0));
        float a = h.x * TAU;
        gWave[i] = vec3(vec2(cos(a), sin(a)) * fq * mix(0.7, 1.4, h.y), h.z * TAU);
    }
    float ang = uP0.w * 13.0;
    gDrift = (1.0 - uP3.w) * 0.3 * vec2(cos(ang), sin(ang));
}

vec2 vel(vec2 p) {
    vec2 v = vec2(0.0);
    for (int i = 0; i < 4; i++) {
        vec2 k = gWave[i].xy;
        vec2 g = k * cos(dot(k, p) + gWave[i].z);
        v += vec2(g.y, -g.x) / dot(k, k);
    }
    return v * mix(0.6, 1.6, uP3.w) + gDrift * sin(p.y * 2.0);
}

vec3 shade(vec2 p) {
    float fq = mix(1.0, 3.5, uP0.x);
    float T = mix(0.3, 2.0, uP0.y);
    setupWaves(fq);
    // trace the pixel back to where its material started (midpoint steps)
    vec2 q = p;
    float dt = T / 10.0;
    for (int k = 0; k < 10; k++) {
        vec2 m = q - 0.5 * dt * vel(q);
        q -= dt * vel(m);
    }
    float sc = mix(3.0, 9.0, uP3.x);
    vec2 x = q * sc;
    vec2 f = fract(x) - 0.5;
    vec2 fwv = fwidth(x);
    float fw = max(fwv.x, fwv.y) + 1e-5;
    float v;
    float lw = mix(0.03, 0.15, uP3.y);
    if (uP0.z < 0.33) {
        vec2 dd = 0.5 - abs(f);
        v = 1.0 - smoothstep(lw - fw, lw + fw, min(dd.x, dd.y));
    } else if (uP0.z < 0.66) {
        v = smoothstep(-fw, fw, f.x * f.y * 4.0 * min(1.0, 0.25 / fw));
    } else {
        v = smoothstep(lw * 2.5 + fw, lw * 2.5 - fw, length(f));
    }
    v = mix(v, 0.5, smoothstep(0.25, 0.6, fw));
    vec3 bg = mix(vec3(0.04), vec3(0.95), step(0.5, uP3.z));
    vec3 c = ppalette(dot(floor(x), vec2(0.07, 0.13)), uP1, uP2);
    return mix(mix(bg, c * 0.5 + bg * 0.5, 0.4), c, v);
}
