// name: tiling_pentagrid
// family: tiling
// licence: MIT (shaderkd project)
// params: uP0.xy pan, uP0.z grid density, uP0.w rotation, uP1+uP2 palette, uP3.x grid count 5, 7 or 9, uP3.y shifts (random offsets of each grid), uP3.z line width, uP3.w colour by index sum or by parity

// De Bruijn's multigrid: n families of parallel lines at angles 2 pi j / n. Each region between
// lines gets the integer vector of its grid indices; their sum (mod n) is the index of the
// corresponding vertex in the dual rhombus tiling (Penrose's for n = 5), used here as colour.
vec3 shade(vec2 p) {
    int n = 5 + 2 * int(uP3.x * 3.0);
    float sc = mix(1.0, 2.8, uP0.z);
    vec2 q = rot2(uP0.w * TAU) * p * sc + uP0.xy * 20.0;
    // ld: how close the point is to the nearest grid line, as max |fract(x) - 1/2| over the grids.
    float sum = 0.0, par = 0.0, ld = 0.0;
    for (int j = 0; j < 9; j++) {
        if (j >= n) break;
        float a = float(j) * TAU / float(n);
        float gamma = fract(uP3.y * 7.31 * float(j + 1)) * step(0.3, uP3.y) + 0.2;
        float x = dot(q, vec2(cos(a), sin(a))) + gamma;
        float kj = floor(x);
        sum += kj;
        par += mod(kj, 2.0);
        ld = max(ld, abs(fract(x) - 0.5));
    }
    float key = uP3.w > 0.5 ? mod(sum, float(n)) / float(n) : mod(par, 2.0) * 0.5 + mod(sum, float(n)) * 0.05;
    vec3 col = ppalette(key, uP1, uP2);
    float w = mix(0.01, 0.06, uP3.z);
    float line = smoothstep(0.5 - w - 0.02, 0.5 - w, ld);
    return clamp(mix(col, vec3(0.04), line), 0.0, 1.0);
}
