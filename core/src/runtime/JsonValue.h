#pragma once

// Checks a JSON value before nlohmann's get<T>() converts it: get<int>() of 1e300, or get<unsigned>()
// of -1.5, converts with undefined behaviour instead of throwing, and get<int>() of 2.7 truncates
// silently. Private to core: the readers of experiment.json and model metadata use it.

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace netsight::runtime {

template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};

/// Whether get<T>() of `value` gives T exactly: an integer within T's range for an integral T, a
/// number within T's range for a floating-point T, and elements that fit for a vector. Other
/// types are left to get<T>(), which throws json::type_error for a mismatch.
template <typename T>
bool jsonFits(const nlohmann::json& value) {
    if constexpr (std::is_same_v<T, bool>) {
        return value.is_boolean();
    } else if constexpr (std::is_integral_v<T>) {
        constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<T>::max());
        constexpr auto kMin = static_cast<std::int64_t>(std::numeric_limits<T>::min());
        if (value.is_number_unsigned()) return value.get<std::uint64_t>() <= kMax;
        if (!value.is_number_integer()) return false;
        const auto number = value.get<std::int64_t>();
        return number >= kMin && (number < 0 || static_cast<std::uint64_t>(number) <= kMax);
    } else if constexpr (std::is_floating_point_v<T>) {
        if (!value.is_number()) return false;
        const double number = value.get<double>();
        return std::isfinite(number) &&
               std::abs(number) <= static_cast<double>(std::numeric_limits<T>::max());
    } else if constexpr (IsVector<T>::value) {
        if (!value.is_array()) return false;
        for (const auto& element : value)
            if (!jsonFits<typename T::value_type>(element)) return false;
        return true;
    } else {
        return true;
    }
}

/// What a field of type T must hold, for error messages: "an integer from 0 to 255", "a number".
template <typename T>
std::string jsonExpected() {
    if constexpr (std::is_same_v<T, bool>) {
        return "true or false";
    } else if constexpr (std::is_integral_v<T>) {
        return "an integer from " + std::to_string(std::numeric_limits<T>::min()) + " to " +
               std::to_string(std::numeric_limits<T>::max());
    } else if constexpr (std::is_same_v<T, float>) {
        return "a number of at most 3.4e38 in magnitude";
    } else if constexpr (std::is_floating_point_v<T>) {
        return "a number";
    } else if constexpr (std::is_same_v<T, std::string>) {
        return "a string";
    } else if constexpr (IsVector<T>::value) {
        return "a list, each element " + jsonExpected<typename T::value_type>();
    } else {
        return "a value of another type";
    }
}

/// A value as it may appear in an error message: short scalars as JSON, long ones cut, lists and
/// objects by their kind only (a value may be the whole of a large file).
inline std::string jsonForMessage(const nlohmann::json& value) {
    if (value.is_array()) return "a list";
    if (value.is_object()) return "an object";
    constexpr std::size_t kMaxChars = 60;
    std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (text.size() > kMaxChars) text = text.substr(0, kMaxChars) + "...";
    return text;
}

}  // namespace netsight::runtime
