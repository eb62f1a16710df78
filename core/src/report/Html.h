#pragma once

// Small helpers for the self-contained HTML reports (probe, factor lab).
#include <string>

namespace netsight::report {

/// Base64 of `bytes` (for data: URIs).
std::string base64(const std::string& bytes);
/// Text with &, <, >, ' and " escaped for HTML and SVG.
std::string escapeXml(const std::string& text);
/// The whole file; throws std::runtime_error naming it when it cannot be read.
std::string readFileBytes(const std::string& path);

}  // namespace netsight::report
