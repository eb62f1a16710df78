#pragma once

#include <string>
#include <string_view>

namespace netsight::runtime {

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over `path`,
/// so that readers see either the old file or the whole new one, never a torn one. If anything fails
/// (a full disk, a missing folder) the old file stays intact and std::runtime_error names the path.
void writeFileAtomically(const std::string& path, std::string_view bytes);

}  // namespace netsight::runtime
