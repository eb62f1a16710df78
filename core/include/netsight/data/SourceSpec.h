#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace netsight::data {

/// A parsed source string: `kind[:body]`. For file sources the body is `DIR[,key=value...]`, for
/// generated ones `key=value[,key=value...]`.
struct SourceSpec {
    std::string text;  ///< the string as given
    std::string kind;  ///< fashion-mnist, mnist, idx, cifar10, folder, factorworld
    std::string path;  ///< directory for file sources, empty otherwise
    std::map<std::string, std::string> options;
};

/// Splits a source string; throws DataError for an unknown kind or a malformed option.
SourceSpec parseSource(const std::string& text);

/// Typed access to a source's options that remembers which were read, so that a misspelt option is
/// an error ("unknown option 'clases' for factorworld; known: classes, size, ...") instead of being
/// ignored silently.
class SourceOptions {
  public:
    explicit SourceOptions(const SourceSpec& spec) : spec_(spec) {}

    double number(const std::string& key, double fallback, double min, double max);
    std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t min, std::int64_t max);
    std::string text(const std::string& key, const std::string& fallback);

    /// Throws DataError if an option was given that no call above asked for.
    void rejectUnknown() const;

  private:
    const SourceSpec& spec_;
    std::set<std::string> known_;
};

}  // namespace netsight::data
