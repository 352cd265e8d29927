// name: textile_halftone
// family: textile
// licence: MIT (shaderkd project)
// params: uP0.x screen frequency, uP0.y screen angle, uP0.z image kind (blobs/gradient/rings), uP0.w image seed, uP1+uP2 palette, uP3.x CMY overprint vs single ink, uP3.y dot shape round/square, uP3.z paper tone, uP3.w contrast

float image(vec2 p, float ch) {
    float v;
    if (uP0.z < 0.33) v = fbm(p * 0.9 + uP0.w * 13.0 + ch * 1.7, 3) * 1.5 - 0.25;
    else if (uP0.z < 0.66) v = 0.5 + 0.4 * sin(dot(p, vec2(cos(uP0.w * TAU + ch), sin(uP0.w * TAU + ch))) * 1.5);
    else v = 0.5 + 0.5 * sin(length(p - vec2(0.3 * ch - 0.3, uP0.w - 0.5)) * 6.0);
    return clamp(0.5 + (v - 0.5) * mix(0.8, 1.6, uP3.w), 0.0, 1.0);
}

// coverage of one halftone screen: dots on a rotated grid sized by the image at the dot centre
float screen(vec2 p, float freq, float ang, float ch, float px) {
    vec2 q = rot2(ang) * p * freq;
    vec2 c = floor(q) + 0.5;
    vec2 f = q - c;
    float v = image(rot2(-ang) * (c / freq), ch);
    float r = sqrt(v) * 0.62;
    float d = uP3.y < 0.5 ? length(f) - r : max(abs(f.x), abs(f.y)) - r * 0.886;
    float fw = px * freq;
    return smoothstep(fw, -fw, d);
}

vec3 shade(vec2 p) {
    float px = 2.0 / uRes.y;
    float freq = mix(5.0, 13.0, uP0.x);
    float ang = uP0.y * PI * 0.5;
    vec3 paper = mix(vec3(0.85, 0.82, 0.75), vec3(0.98), uP3.z);
    if (uP3.x > 0.5) {
        // subtractive overprint of three inks at classic offset angles
        float c = screen(p, freq, ang + 0.2618, 0.0, px);
        float m = screen(p, freq, ang + 1.3090, 1.0, px);
        float y = screen(p, freq, ang, 2.0, px);
        vec3 col = paper;
        col *= mix(vec3(1.0), ppalette(0.0, uP1, uP2) * 0.8, c);
        col *= mix(vec3(1.0), ppalette(0.33, uP1, uP2) * 0.8, m);
        col *= mix(vec3(1.0), ppalette(0.66, uP1, uP2) * 0.9, y);
        return col;
    }
    float k = screen(p, freq, ang, 0.0, px);
    return mix(paper, ppalette(0.5, uP1, uP2) * 0.35, k);
}
