#pragma once

#include <stdexcept>
#include <string>

namespace netsight::data {

/// A dataset could not be opened or read. The message names the source, file or field, says what
/// is wrong and, where it can, what to do about it.
class DataError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace netsight::data
