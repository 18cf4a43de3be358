#include "int8_activations_flag.h"

namespace litertlm::cli {

void AddInt8ActivationsFlag(CLI::App* sub, std::string* value) {
  sub->add_option("--int8-activations", *value,
                  "TFLite files' int8 weights: exact (default: activations at 16 bits, closest to the fp32 "
                  "the recipe names) or google (rounded to 8 bits per row as Google's LiteRT-LM runtime "
                  "does: its exact tokens, a little less accurate)")
      ->check(CLI::IsMember({"exact", "google"}));
}

Int8Activations Int8ActivationsFromFlag(const std::string& value) {
  StatusOr<Int8Activations> parsed = ParseInt8Activations(value);
  return parsed.ok() ? *parsed : Int8Activations::kExact;
}

}  // namespace litertlm::cli
