#include "model/tflite_weight_options.h"

namespace litertlm {

WeightLoadOptions TfliteWeightOptions(const format::TfliteImport& import, bool like_google) {
  WeightLoadOptions options;
  options.keep_half_precision = true;
  const bool exact = !like_google && !import.int4_weights;
  options.int8_dynamic_activations = exact;
  options.int8_activations16 = exact;
  options.int8_asymmetric_activations = !exact && (import.int8_weights || import.int4_weights);
  options.xnnpack_float_ops = like_google;
  // XNNPACK's qb4w where the file's INT4 blocks are ours (import.quantization names the first
  // INT4 weight's encoding).
  options.int4_xnnpack_qb4w =
      like_google && (import.quantization == "int4_block32" || import.quantization == "int4_block128");
  return options;
}

}  // namespace litertlm
