#pragma once

#include <gtest/gtest.h>

#include <string>

namespace netsight::test {

/// Runs `action`, expects it to throw `Error`, and returns the message (for asserting what it says).
template <typename Error, typename Action>
std::string errorOf(Action action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    ADD_FAILURE() << "expected an exception";
    return {};
}

}  // namespace netsight::test
