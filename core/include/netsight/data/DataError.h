#pragma once

#include <stdexcept>
#include <string>

#include "netsight/runtime/UserError.h"

namespace netsight::data {

/// A dataset could not be opened or read. The message names the source, file or field, says what
/// is wrong and, where it can, what to do about it.
class DataError : public runtime::UserError {
  public:
    using runtime::UserError::UserError;
};

}  // namespace netsight::data
