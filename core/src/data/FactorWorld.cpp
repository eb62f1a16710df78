#include "netsight/data/FactorWorld.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data/Random.h"

namespace netsight::data {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kNominalRadius = 0.27;  // object radius at scale 1, as a fraction of the image side
constexpr double kCameraDistance = 4.0;  // in object radii: moderate perspective for tilts
constexpr double kBump = 0.8;            // height of the shading dome relative to the radius
constexpr double kLightElevationRad = 45.0 * kPi / 180.0;
constexpr int kNoiseWaves = 12;

double radians(double degrees) {
    return degrees * kPi / 180.0;
}

struct Wave {
    double kx, ky, phase, amplitude;  // amplitude * cos(kx * a1 + ky * a2 + phase)
};

// The waves whose sum is a texture's field, with unit variance for any noiseWeight in between.
std::vector<Wave> textureWaves(const Texture& texture) {
    std::vector<Wave> waves;
    const double grating = 1.0 - texture.noiseWeight;
    const double omega = 2.0 * kPi * texture.frequency;
    waves.push_back({omega * std::cos(texture.orientationRad), omega * std::sin(texture.orientationRad), 0.0,
                     grating * std::sqrt(2.0)});
    Random random(texture.noiseSeed);
    const double noiseAmplitude = texture.noiseWeight * std::sqrt(2.0 / kNoiseWaves);
    for (int i = 0; i < kNoiseWaves; ++i) {
        const double angle = random.uniform(0.0, kPi);
        const double frequency = omega * random.uniform(0.7, 1.4);
        waves.push_back({frequency * std::cos(angle), frequency * std::sin(angle),
                         random.uniform(0.0, 2.0 * kPi), noiseAmplitude});
    }
    return waves;
}

double textureValue(const std::vector<Wave>& waves, double contrast, double a1, double a2) {
    double field = 0.0;
    for (const Wave& wave : waves)
        field += wave.amplitude * std::cos(wave.kx * a1 + wave.ky * a2 + wave.phase);
    return 0.5 + 0.5 * std::tanh(contrast * 1.5 * field);
}

// r(θ) from the harmonic coefficients, with cos θ and sin θ given.
double contourRadius(const Identity& identity, double cosTheta, double sinTheta) {
    double radius = 1.0;
    double ck = cosTheta, sk = sinTheta;  // cos kθ, sin kθ for k = 1
    for (int k = 0; k < kShapeHarmonics; ++k) {
        const double next = ck * cosTheta - sk * sinTheta;
        sk = sk * cosTheta + ck * sinTheta;
        ck = next;  // now order k + 2
        radius += identity.shape[2 * k] * ck + identity.shape[2 * k + 1] * sk;
    }
    return std::max(radius, 0.2);
}

std::array<double, 3> hsvToRgb(double hue, double saturation, double value) {
    const double h = std::fmod(hue, 1.0) * 6.0;
    const int sector = static_cast<int>(h);
    const double f = h - sector;
    const double p = value * (1 - saturation), q = value * (1 - saturation * f),
                 t = value * (1 - saturation * (1 - f));
    switch (sector % 6) {
        case 0:
            return {value, t, p};
        case 1:
            return {q, value, p};
        case 2:
            return {p, value, t};
        case 3:
            return {p, q, value};
        case 4:
            return {t, p, value};
        default:
            return {value, p, q};
    }
}

double lerp(double a, double b, double t) {
    return a + (b - a) * t;
}

// Each extrinsic factor: its name and where it lives in Extrinsics.
struct ExtrinsicField {
    const char* name;
    double Extrinsics::*member;
};
constexpr ExtrinsicField kExtrinsicFields[] = {
    {"rotation", &Extrinsics::rotationDeg},
    {"yaw", &Extrinsics::yawDeg},
    {"pitch", &Extrinsics::pitchDeg},
    {"scale", &Extrinsics::scale},
    {"tx", &Extrinsics::translateX},
    {"ty", &Extrinsics::translateY},
    {"light.azimuth", &Extrinsics::lightAzimuthDeg},
    {"light.strength", &Extrinsics::lightStrength},
    {"background", &Extrinsics::background},
};

double Extrinsics::*extrinsicMember(const std::string& name) {
    for (const auto& field : kExtrinsicFields)
        if (name == field.name) return field.member;
    std::string known;
    for (const auto& field : kExtrinsicFields)
        known += std::string(known.empty() ? "" : ", ") + field.name;
    throw std::invalid_argument("unknown extrinsic factor '" + name + "'; known: " + known);
}

}  // namespace

double Extrinsics::get(const std::string& name) const {
    return this->*extrinsicMember(name);
}
void Extrinsics::set(const std::string& name, double value) {
    this->*extrinsicMember(name) = value;
}

const std::vector<std::string>& extrinsicFactorNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const auto& field : kExtrinsicFields)
            list.emplace_back(field.name);
        return list;
    }();
    return names;
}

const std::vector<std::string>& intrinsicFactorNames() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (int k = 0; k < kShapeHarmonics; ++k) {
            list.push_back("shape.c" + std::to_string(k + 2));
            list.push_back("shape.s" + std::to_string(k + 2));
        }
        for (const char* name :
             {"texture.orientation", "texture.frequency", "texture.noise", "texture.contrast", "colour.a.r",
              "colour.a.g", "colour.a.b", "colour.b.r", "colour.b.g", "colour.b.b"})
            list.emplace_back(name);
        return list;
    }();
    return names;
}

FactorWorld::FactorWorld(int size, int channels) : size_(size), channels_(channels) {
    if (size < 8 || size > 4096)
        throw std::invalid_argument("FactorWorld: size must be 8..4096, got " + std::to_string(size));
    if (channels != 1 && channels != 3)
        throw std::invalid_argument("FactorWorld: channels must be 1 or 3, got " + std::to_string(channels));
}

Render FactorWorld::render(const Identity& identity, const Extrinsics& view) const {
    const int n = size_;
    Render result;
    result.image = Image(ImageShape{channels_, n, n});
    result.mask.assign(static_cast<std::size_t>(n) * n, 0.0f);

    const std::vector<Wave> wavesA = textureWaves(identity.texture);
    const std::vector<Wave> wavesB =
        identity.textureMix > 0 ? textureWaves(identity.blendTexture) : std::vector<Wave>{};

    // Tilt: the object plane is rotated by Ry(yaw) * Rx(pitch) and sits kCameraDistance in front of a
    // pinhole camera whose focal length makes an untilted object appear at its nominal size.
    const double cy = std::cos(radians(view.yawDeg)), sy = std::sin(radians(view.yawDeg));
    const double cp = std::cos(radians(view.pitchDeg)), sp = std::sin(radians(view.pitchDeg));
    const double r1[3] = {cy, 0.0, -sy};               // plane u axis
    const double r2[3] = {sy * sp, cp, cy * sp};       // plane v axis
    const double normal[3] = {sy * cp, -sp, cy * cp};  // plane normal
    const double cr = std::cos(radians(view.rotationDeg)), sr = std::sin(radians(view.rotationDeg));
    const double scale = std::max(view.scale, 1e-3);
    const double pixelsPerUnit = kNominalRadius * n;
    const double lightZ = std::sin(kLightElevationRad);
    const double lightX = std::cos(radians(view.lightAzimuthDeg)) * std::cos(kLightElevationRad);
    const double lightY = std::sin(radians(view.lightAzimuthDeg)) * std::cos(kLightElevationRad);
    const std::size_t planeSize = static_cast<std::size_t>(n) * n;

    for (int y = 0; y < n; ++y) {
        for (int x = 0; x < n; ++x) {
            const std::size_t pixel = static_cast<std::size_t>(y) * n + x;
            double colour[3] = {view.background, view.background, view.background};

            // Inverse map: image point -> ray -> plane -> object coordinates (a1, a2).
            const double mx = (x + 0.5 - 0.5 * n - view.translateX * n) / pixelsPerUnit;
            const double my = (y + 0.5 - 0.5 * n - view.translateY * n) / pixelsPerUnit;
            const double denominator = normal[0] * mx + normal[1] * my + normal[2] * kCameraDistance;
            float alpha = 0.0f;
            if (denominator > 1e-9) {
                const double lambda = normal[2] * kCameraDistance / denominator;
                const double p[3] = {lambda * mx, lambda * my, lambda * kCameraDistance - kCameraDistance};
                const double q1 = r1[0] * p[0] + r1[1] * p[1] + r1[2] * p[2];
                const double q2 = r2[0] * p[0] + r2[1] * p[1] + r2[2] * p[2];
                const double a1 = (cr * q1 + sr * q2) / scale;
                const double a2 = (-sr * q1 + cr * q2) / scale;
                const double rho = std::hypot(a1, a2);
                const double cosTheta = rho > 1e-12 ? a1 / rho : 1.0;
                const double sinTheta = rho > 1e-12 ? a2 / rho : 0.0;
                const double radius = contourRadius(identity, cosTheta, sinTheta);
                const double edgePixels = (radius - rho) * scale * pixelsPerUnit;
                alpha = static_cast<float>(std::clamp(edgePixels + 0.5, 0.0, 1.0));
                if (alpha > 0.0f) {
                    double t = textureValue(wavesA, identity.texture.contrast, a1, a2);
                    if (!wavesB.empty())
                        t = lerp(t, textureValue(wavesB, identity.blendTexture.contrast, a1, a2),
                                 identity.textureMix);
                    // Lambertian shading of a dome over the contour; its normal turns with the object.
                    const double u = std::min(rho / radius, 1.0);
                    const double height = std::max(std::sqrt(1.0 - u * u), 0.05);
                    const double g1 = -kBump * a1 / (radius * radius * height);
                    const double g2 = -kBump * a2 / (radius * radius * height);
                    const double nx = -(cr * g1 - sr * g2), ny = -(sr * g1 + cr * g2);
                    const double length = std::sqrt(nx * nx + ny * ny + 1.0);
                    const double lambert = std::max(0.0, (nx * lightX + ny * lightY + lightZ) / length);
                    const double shade = (1.0 - view.lightStrength) + view.lightStrength * 1.3 * lambert;
                    for (int c = 0; c < 3; ++c) {
                        const double surface = lerp(identity.colourA[c], identity.colourB[c], t) * shade;
                        colour[c] = lerp(colour[c], std::clamp(surface, 0.0, 1.0), alpha);
                    }
                }
            }
            result.mask[pixel] = alpha;
            if (channels_ == 1) {
                result.image.pixels[pixel] =
                    static_cast<float>(0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]);
            } else {
                for (int c = 0; c < 3; ++c)
                    result.image.pixels[c * planeSize + pixel] = static_cast<float>(colour[c]);
            }
        }
    }
    return result;
}

std::vector<Render> FactorWorld::sweep(const Identity& identity, const Extrinsics& base,
                                       const std::string& factor, const std::vector<double>& values) const {
    std::vector<Render> renders;
    renders.reserve(values.size());
    Extrinsics view = base;
    for (double value : values) {
        view.set(factor, value);
        renders.push_back(render(identity, view));
    }
    return renders;
}

std::vector<Identity> FactorWorld::drawIdentities(int count, std::uint64_t seed) {
    std::vector<Identity> identities;
    for (int i = 0; i < count; ++i) {
        Random random(mixSeed(seed, 0x1D, static_cast<std::uint64_t>(i)));
        Identity identity;
        // One dominant harmonic gives each identity a clear silhouette (oval, triangle, square,
        // star); small others make it irregular.
        const int dominant = static_cast<int>(random.next() % kShapeHarmonics);
        for (int k = 0; k < kShapeHarmonics; ++k) {
            const double amplitude = k == dominant ? random.uniform(0.16, 0.26) : random.uniform(0.0, 0.06);
            const double phase = random.uniform(0.0, 2.0 * kPi);
            identity.shape[2 * k] = amplitude * std::cos(phase);
            identity.shape[2 * k + 1] = amplitude * std::sin(phase);
        }
        identity.texture.orientationRad = random.uniform(0.0, kPi);
        identity.texture.frequency = random.uniform(1.2, 3.5);
        identity.texture.noiseWeight = random.uniform(0.0, 0.8);
        identity.texture.contrast = random.uniform(0.8, 2.0);
        identity.texture.noiseSeed = random.next();
        const double hue = random.uniform();
        identity.colourA = hsvToRgb(hue, random.uniform(0.5, 1.0), random.uniform(0.55, 1.0));
        identity.colourB =
            hsvToRgb(hue + random.uniform(0.25, 0.6), random.uniform(0.4, 1.0), random.uniform(0.25, 0.8));
        identities.push_back(identity);
    }
    return identities;
}

Extrinsics FactorWorld::drawExtrinsics(const ExtrinsicRanges& ranges, std::uint64_t seed) {
    Random random(seed);
    Extrinsics view;
    view.rotationDeg = random.uniform(-ranges.rotationMaxDeg, ranges.rotationMaxDeg);
    view.yawDeg = random.uniform(-ranges.yawMaxDeg, ranges.yawMaxDeg);
    view.pitchDeg = random.uniform(-ranges.pitchMaxDeg, ranges.pitchMaxDeg);
    view.scale = random.uniform(ranges.scaleMin, ranges.scaleMax);
    view.translateX = random.uniform(-ranges.translateMax, ranges.translateMax);
    view.translateY = random.uniform(-ranges.translateMax, ranges.translateMax);
    view.lightAzimuthDeg = random.uniform(0.0, 360.0);
    view.lightStrength = random.uniform(ranges.lightStrengthMin, ranges.lightStrengthMax);
    view.background = random.uniform(ranges.backgroundMin, ranges.backgroundMax);
    return view;
}

Identity FactorWorld::morph(const Identity& from, const Identity& to, MorphKind kind, double amount) {
    const double t = std::clamp(amount, 0.0, 1.0);
    Identity result = from;
    switch (kind) {
        case MorphKind::Shape:
            for (std::size_t i = 0; i < result.shape.size(); ++i)
                result.shape[i] = lerp(from.shape[i], to.shape[i], t);
            break;
        case MorphKind::Texture:
            // The fields are blended, not their parameters: half-way between two gratings is their
            // mixture, not a grating at the mean orientation.
            result.blendTexture = to.texture;
            result.textureMix = t;
            break;
        case MorphKind::Colour:
            for (int c = 0; c < 3; ++c) {
                result.colourA[c] = lerp(from.colourA[c], to.colourA[c], t);
                result.colourB[c] = lerp(from.colourB[c], to.colourB[c], t);
            }
            break;
    }
    return result;
}

std::vector<float> FactorWorld::intrinsicFactors(const Identity& identity) {
    std::vector<float> factors;
    for (double coefficient : identity.shape)
        factors.push_back(static_cast<float>(coefficient));
    const Texture& texture = identity.texture;
    const double mix = identity.textureMix;
    const Texture& other = mix > 0 ? identity.blendTexture : texture;
    factors.push_back(static_cast<float>(lerp(texture.orientationRad, other.orientationRad, mix)));
    factors.push_back(static_cast<float>(lerp(texture.frequency, other.frequency, mix)));
    factors.push_back(static_cast<float>(lerp(texture.noiseWeight, other.noiseWeight, mix)));
    factors.push_back(static_cast<float>(lerp(texture.contrast, other.contrast, mix)));
    for (double value : identity.colourA)
        factors.push_back(static_cast<float>(value));
    for (double value : identity.colourB)
        factors.push_back(static_cast<float>(value));
    return factors;
}

std::vector<float> FactorWorld::extrinsicFactors(const Extrinsics& view) {
    std::vector<float> factors;
    for (const auto& field : kExtrinsicFields)
        factors.push_back(static_cast<float>(view.*field.member));
    return factors;
}

}  // namespace netsight::data
