// Range checks for numeric flags, one wording for all of them: CLI11 reports a failure as
// "--threads: must be an integer from 0 to 1024 (got 1e300)" and main() exits 1. The check runs
// on the text before CLI11 converts it, so a value too large for the flag's type is reported the
// same way instead of as a failed conversion.
#ifndef LITERTLM_CLI_FLAG_RANGES_H_
#define LITERTLM_CLI_FLAG_RANGES_H_

#include <CLI/CLI.hpp>
#include <cstdint>

namespace litertlm::cli {

// Most worker threads a flag accepts (far above any machine's cores; each is an OS thread).
inline constexpr int64_t kMaxThreadsFlag = 1024;
// Largest value of an `int` flag.
inline constexpr int64_t kMaxIntFlag = 2147483647;

// A whole number in [lo, hi], written in decimal.
CLI::Validator IntegerIn(int64_t lo, int64_t hi);
// A finite number in [lo, hi].
CLI::Validator NumberIn(double lo, double hi);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_FLAG_RANGES_H_
