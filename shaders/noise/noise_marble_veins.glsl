// name: noise_marble_veins
// family: noise
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z turbulence scale, uP0.w vein direction, uP1+uP2 palette, uP3.x turbulence amount, uP3.y vein frequency (its fractional digits: vein sharpness), uP3.z dark or light stone, uP3.w octaves

// Marble as a sine across the stone, phase-shifted by turbulence; narrow troughs become veins.
float turbulence(vec2 q, int oct) {
    float s = 0.0, a = 0.5;
    for (int i = 0; i < 7; i++) {
        if (i >= oct) break;
        s += a * abs(gnoise(q) - 0.5);
        q = q * 2.03 + vec2(11.7, 3.1);
        a *= 0.5;
    }
    return s;
}

vec3 shade(vec2 p) {
    vec2 q = p * mix(0.5, 1.2, uP0.z) + uP0.xy * 30.0;
    int oct = 3 + int(uP3.w * 4.0);
    float turb = turbulence(q, oct);
    vec2 dir = vec2(cos(uP0.w * PI), sin(uP0.w * PI));
    float freq = mix(1.0, 3.5, uP3.y);
    float s = sin(dot(p, dir) * freq * PI + turb * mix(3.0, 12.0, uP3.x) + uTime * 0.1);
    float vein = pow(1.0 - abs(s), mix(3.0, 14.0, fract(uP3.y * 5.0)));
    float mist = fbm(q * 2.0, 4);
    vec3 stone = uP3.z > 0.5 ? mix(vec3(0.92), ppalette(mist, uP1, uP2), 0.25)
                             : ppalette(mist, uP1, uP2) * 0.2;
    vec3 veinCol = uP3.z > 0.5 ? ppalette(0.5 + turb, uP2, uP1) * 0.5 : mix(ppalette(turb, uP1, uP2), vec3(0.95), 0.4);
    vec3 col = stone * (0.85 + 0.3 * mist);
    col = mix(col, veinCol, vein);
    col = mix(col, veinCol, 0.3 * pow(1.0 - abs(s), 2.0));
    return clamp(col, 0.0, 1.0);
}
