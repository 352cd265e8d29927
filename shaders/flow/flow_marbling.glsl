// name: flow_marbling
// family: flow
// licence: MIT (shaderkd project)
// params: uP0.x stripe count, uP0.y comb passes, uP0.z comb strength, uP0.w seed, uP1+uP2 palette, uP3.x swirl count, uP3.y swirl strength, uP3.z tine spacing, uP3.w stripe rotation

vec3 shade(vec2 p) {
    vec2 q = p;
    // undo the marbling operations in reverse order: swirls were applied last
    int sw = int(uP3.x * 4.0);
    for (int i = 0; i < 4; i++) {
        if (i >= sw) break;
        float fi = float(i);
        vec2 c = (hash22(vec2(fi * 2.2, uP0.w * 31.0)) * 2.0 - 1.0) * vec2(1.0, 0.7);
        vec2 d = q - c;
        float r = length(d);
        float a = mix(1.5, 5.0, uP3.y) * exp(-r * r * 3.0) * (mod(fi, 2.0) < 0.5 ? 1.0 : -1.0);
        q = c + rot2(-a) * d;
    }
    int passes = 1 + int(uP0.y * 2.5);
    for (int i = 0; i < 4; i++) {
        if (i >= passes) break;
        float fi = float(i);
        float ang = hash11(fi + uP0.w * 7.0) * PI;
        vec2 dir = vec2(cos(ang), sin(ang)), nrm = vec2(-dir.y, dir.x);
        float spacing = mix(0.25, 0.7, uP3.z);
        // a comb dragged along dir: displacement falls off with distance to the nearest tine
        float s = dot(q, nrm) / spacing;
        float dd = abs(fract(s) - 0.5) * 2.0;
        float disp = mix(0.3, 1.2, uP0.z) * spacing * (1.0 - dd) * (1.0 - dd);
        q -= dir * disp * (mod(floor(s), 2.0) < 0.5 ? 1.0 : -1.0);
    }
    q = rot2(uP3.w * PI) * q;
    float n = mix(4.0, 10.0, uP0.x);
    float u = q.y * n * 0.5 + 0.2 * sin(q.x * 3.0 + uP0.w);
    float band = fract(u);
    float id = floor(u);
    float k = floor(mix(2.0, 5.0, fract(uP0.w * 3.3)));
    vec3 c = ppalette(mod(id, k) / k, uP1, uP2);
    // thin dark veins between paint bands
    float fw = fwidth(u) + 1e-4;
    c *= 0.6 + 0.4 * smoothstep(0.0, 0.06 + fw, min(band, 1.0 - band));
    return c;
}
