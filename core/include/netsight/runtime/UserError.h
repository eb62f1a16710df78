#pragma once

#include <stdexcept>
#include <string>

namespace netsight::runtime {

/// The root of every error a user can act on: a bad file, field or value, a missing experiment, a classifier
/// that does not fit the data. Its message names the file, field or value, says what is wrong and what to
/// do, and the faces show it as it is (the CLI on stderr with exit code 1, the app in the Jobs view or a
/// message box). Each area derives its own (data::DataError, experiment::ExperimentError,
/// info::InfoError) so that callers can tell where it came from.
class UserError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace netsight::runtime
