#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "netsight/data/Image.h"

namespace netsight::data {

/// Number of radial harmonics (orders 2..kShapeHarmonics+1) in an identity's contour.
inline constexpr int kShapeHarmonics = 4;

/// The surface pattern of an identity: an oriented grating mixed with band-pass noise.
struct Texture {
    double orientationRad = 0.0;  ///< grating orientation
    double frequency = 2.5;       ///< cycles per unit object radius
    double noiseWeight = 0.3;     ///< 0 = pure grating, 1 = pure band-pass noise
    double contrast = 1.0;        ///< gain before the soft clip to [0, 1]
    std::uint64_t noiseSeed = 1;  ///< which noise pattern
};

/// Intrinsic factors: what makes an object this object whatever the view.
struct Identity {
    /// Cosine and sine coefficient of each harmonic order 2.. of the radial contour r(θ) = 1 + Σ ...
    std::array<double, 2 * kShapeHarmonics> shape{};
    Texture texture;
    /// A second texture blended in with weight textureMix (used by texture morphs; 0 = none).
    Texture blendTexture;
    double textureMix = 0.0;
    /// Two RGB colours in [0,1]; the texture runs between them.
    std::array<double, 3> colourA{0.8, 0.3, 0.2};
    std::array<double, 3> colourB{0.2, 0.3, 0.8};
};

/// Extrinsic factors: how one picture of an object is taken.
struct Extrinsics {
    double rotationDeg = 0.0;       ///< in-plane rotation
    double yawDeg = 0.0;            ///< 3-D tilt about the vertical axis (perspective)
    double pitchDeg = 0.0;          ///< 3-D tilt about the horizontal axis (perspective)
    double scale = 1.0;             ///< object radius relative to the nominal radius
    double translateX = 0.0;        ///< shift right, as a fraction of the image width
    double translateY = 0.0;        ///< shift down, as a fraction of the image height
    double lightAzimuthDeg = 45.0;  ///< direction the light comes from, in the image plane
    double lightStrength = 0.5;     ///< 0 = flat, 1 = fully Lambertian shading
    double background = 0.5;        ///< grey level of the background

    /// Factor by name, as listed by extrinsicFactorNames(); throws std::invalid_argument otherwise.
    double get(const std::string& name) const;
    void set(const std::string& name, double value);
};

/// rotation, yaw, pitch, scale, tx, ty, light.azimuth, light.strength, background
const std::vector<std::string>& extrinsicFactorNames();
/// shape.c2, shape.s2, ..., texture.orientation, texture.frequency, texture.noise, texture.contrast,
/// colour.a.r, ..., colour.b.b
const std::vector<std::string>& intrinsicFactorNames();

/// The ranges extrinsic factors are drawn from; a range of zero width holds that factor fixed.
struct ExtrinsicRanges {
    double rotationMaxDeg = 180.0;
    double yawMaxDeg = 30.0;
    double pitchMaxDeg = 30.0;
    double scaleMin = 0.75;
    double scaleMax = 1.1;
    double translateMax = 0.1;
    double lightStrengthMin = 0.2;
    double lightStrengthMax = 0.7;
    double backgroundMin = 0.15;
    double backgroundMax = 0.85;
};

/// One rendered picture with the object's coverage (1 inside, 0 outside, soft at the edge).
struct Render {
    Image image;
    std::vector<float> mask;  ///< height * width
};

enum class MorphKind { Shape, Texture, Colour };

/// The FactorWorld renderer: deterministic pictures of 2-D textured objects with known factors.
class FactorWorld {
  public:
    /// `size` is the side of the square image; `channels` 3 (RGB) or 1 (luminance).
    FactorWorld(int size = 64, int channels = 3);

    int size() const { return size_; }
    int channels() const { return channels_; }

    /// Renders `identity` seen as `view`. Pure: the same arguments give the same pixels.
    Render render(const Identity& identity, const Extrinsics& view) const;

    /// Renders `identity` with one extrinsic factor swept over `values`, the others as in `base`.
    std::vector<Render> sweep(const Identity& identity, const Extrinsics& base, const std::string& factor,
                              const std::vector<double>& values) const;

    /// Draws `count` identities from `seed`; identity i is the same whatever `count`.
    static std::vector<Identity> drawIdentities(int count, std::uint64_t seed);
    /// Draws a view from the ranges; deterministic for `seed`.
    static Extrinsics drawExtrinsics(const ExtrinsicRanges& ranges, std::uint64_t seed);

    /// `from` with its shape, texture or colour moved towards `to` by `amount` in [0,1]; the other
    /// intrinsic factors stay those of `from`.
    static Identity morph(const Identity& from, const Identity& to, MorphKind kind, double amount);

    /// The intrinsic factor values of an identity, in intrinsicFactorNames() order.
    static std::vector<float> intrinsicFactors(const Identity& identity);
    /// The extrinsic factor values of a view, in extrinsicFactorNames() order.
    static std::vector<float> extrinsicFactors(const Extrinsics& view);

  private:
    int size_;
    int channels_;
};

}  // namespace netsight::data
