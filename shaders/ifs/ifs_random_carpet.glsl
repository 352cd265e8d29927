// name: ifs_random_carpet
// family: ifs
// licence: MIT (shaderkd project)
// params: uP0.x grid 3..5, uP0.y levels, uP0.z hole density, uP0.w rotation, uP1+uP2 palette, uP3.x hole pattern seed, uP3.y zoom, uP3.z colour by level or by cell, uP3.w frame brightness

// Sierpinski-carpet-like fractals with a random hole pattern: the same n x n mask of removed
// cells is applied at every level, so each sample draws a different self-similar carpet.
vec3 shade(vec2 p) {
    int n = 3 + int(uP0.x * 3.0);
    float fn = float(n);
    int levels = 2 + int(uP0.y * 3.0);
    if (n == 5 && levels > 3) levels = 3;
    vec2 uv = rot2((uP0.w - 0.5) * 0.6) * p * mix(0.5, 0.8, uP3.y) + 0.5;
    uv = fract(uv);
    float density = mix(0.15, 0.5, uP0.z);
    float hit = -1.0;
    vec2 cell = vec2(0.0);
    for (int l = 0; l < 4; l++) {
        if (l >= levels) break;
        vec2 c = floor(uv * fn);
        uv = fract(uv * fn);
        float h = hash12(c + uP3.x * 97.0);
        bool centre = (n == 3 || n == 5) && c == vec2(floor(fn * 0.5));
        if (h < density || centre) { hit = float(l); cell = c; break; }
        cell += c * (float(l) + 1.0);
    }
    vec3 solid = ppalette(uP3.z > 0.5 ? hash12(cell) * 0.5 : 0.0, uP1, uP2);
    vec3 hole = ppalette(0.5 + (hit + 1.0) * 0.15, uP2, uP1) * mix(0.05, 0.6, uP3.w);
    vec3 col = hit < 0.0 ? solid : hole * (1.0 - 0.15 * hit);
    float frame = min(min(uv.x, 1.0 - uv.x), min(uv.y, 1.0 - uv.y));
    return clamp(col * (0.8 + 0.2 * smoothstep(0.0, 0.1, frame)), 0.0, 1.0);
}
