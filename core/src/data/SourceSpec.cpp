#include "netsight/data/SourceSpec.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "netsight/data/DataError.h"

namespace netsight::data {
namespace {

const std::set<std::string> kFileKinds = {"mnist", "idx", "cifar10", "folder"};
const std::set<std::string> kPlainKinds = {"fashion-mnist", "factorworld"};

bool looksLikeOption(const std::string& token) {
    const auto equals = token.find('=');
    if (equals == std::string::npos || equals == 0) return false;
    for (std::size_t i = 0; i < equals; ++i) {
        const char c = token[i];
        if (!(std::islower(static_cast<unsigned char>(c)) || c == '_' || c == '.' ||
              std::isdigit(static_cast<unsigned char>(c))))
            return false;
    }
    return true;
}

void addOption(SourceSpec& spec, const std::string& token) {
    if (!looksLikeOption(token))
        throw DataError("source '" + spec.text + "': '" + token + "' is not a key=value option");
    const auto equals = token.find('=');
    spec.options[token.substr(0, equals)] = token.substr(equals + 1);
}

std::vector<std::string> splitCommas(const std::string& text) {
    std::vector<std::string> parts;
    std::stringstream stream(text);
    std::string part;
    while (std::getline(stream, part, ','))
        parts.push_back(part);
    return parts;
}

std::string knownKinds() {
    return "fashion-mnist, mnist:DIR, idx:DIR, cifar10:DIR, folder:DIR, factorworld[:key=value,...]";
}

}  // namespace

SourceSpec parseSource(const std::string& text) {
    SourceSpec spec;
    spec.text = text;
    const auto colon = text.find(':');
    spec.kind = text.substr(0, colon);
    const std::string body = colon == std::string::npos ? std::string() : text.substr(colon + 1);

    if (kPlainKinds.count(spec.kind)) {
        if (!body.empty())
            for (const auto& token : splitCommas(body))
                addOption(spec, token);
        return spec;
    }
    if (kFileKinds.count(spec.kind)) {
        if (body.empty())
            throw DataError("source '" + text + "': " + spec.kind + " needs a directory, as in " + spec.kind +
                            ":/path/to/data");
        // Options trail the directory: peel key=value tokens off the end so that a directory name
        // containing a comma still works.
        std::string path = body;
        for (auto comma = path.rfind(','); comma != std::string::npos; comma = path.rfind(',')) {
            const std::string token = path.substr(comma + 1);
            if (!looksLikeOption(token)) break;
            addOption(spec, token);
            path.erase(comma);
        }
        spec.path = path;
        return spec;
    }
    throw DataError("unknown data source '" + text + "'; known sources: " + knownKinds());
}

double SourceOptions::number(const std::string& key, double fallback, double min, double max) {
    known_.insert(key);
    const auto found = spec_.options.find(key);
    if (found == spec_.options.end()) return fallback;
    const std::string& text = found->second;
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0)
        throw DataError("source '" + spec_.text + "': option " + key + "='" + text + "' is not a number");
    if (value < min || value > max) {
        std::ostringstream message;
        message << "source '" << spec_.text << "': option " << key << "=" << text << " is out of range ["
                << min << ", " << max << "]";
        throw DataError(message.str());
    }
    return value;
}

std::int64_t SourceOptions::integer(const std::string& key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
    known_.insert(key);
    const auto found = spec_.options.find(key);
    if (found == spec_.options.end()) return fallback;
    const std::string& text = found->second;
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0)
        throw DataError("source '" + spec_.text + "': option " + key + "='" + text +
                        "' is not a whole number");
    if (value < min || value > max)
        throw DataError("source '" + spec_.text + "': option " + key + "=" + text + " is out of range [" +
                        std::to_string(min) + ", " + std::to_string(max) + "]");
    return value;
}

std::string SourceOptions::text(const std::string& key, const std::string& fallback) {
    known_.insert(key);
    const auto found = spec_.options.find(key);
    return found == spec_.options.end() ? fallback : found->second;
}

void SourceOptions::rejectUnknown() const {
    for (const auto& [key, value] : spec_.options) {
        if (known_.count(key)) continue;
        std::string list;
        for (const auto& name : known_)
            list += (list.empty() ? "" : ", ") + name;
        throw DataError("source '" + spec_.text + "': unknown option '" + key + "' for " + spec_.kind +
                        (list.empty() ? std::string(", which takes no options") : "; known: " + list));
    }
}

}  // namespace netsight::data
