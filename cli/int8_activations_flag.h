// --int8-activations exact|google, shared by run, bench, perplexity and serve: how the int8
// weights of TFLite model sections meet their activations (LoadOptions::int8_activations).
#ifndef LITERTLM_CLI_INT8_ACTIVATIONS_FLAG_H_
#define LITERTLM_CLI_INT8_ACTIVATIONS_FLAG_H_

#include <CLI/CLI.hpp>
#include <string>

#include "litertlm/model.h"

namespace litertlm::cli {

void AddInt8ActivationsFlag(CLI::App* sub, std::string* value);
// The flag's value (CLI11 has checked it is one of the names).
Int8Activations Int8ActivationsFromFlag(const std::string& value);

}  // namespace litertlm::cli

#endif  // LITERTLM_CLI_INT8_ACTIVATIONS_FLAG_H_
