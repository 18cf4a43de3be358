// How the weights imported from a TFLite model section (format/tflite_importer.h) are built: the
// one rule the loader (api/model_loader.cc) and the converter's validation share.
#ifndef LITERTLM_MODEL_TFLITE_WEIGHT_OPTIONS_H_
#define LITERTLM_MODEL_TFLITE_WEIGHT_OPTIONS_H_

#include "format/tflite_importer.h"
#include "model/model_weights.h"

namespace litertlm {

// Dynamic-range int8 (TFLite's hybrid FULLY_CONNECTED): the recipe names fp32 activations, and
// Google's runtime (XNNPACK) quantizes them per row, asymmetrically, to 8 bits. `like_google`
// false takes them at 16 bits (Matrix::activations16, as close to fp32 as our own dynamic_int8);
// true rounds them as XNNPACK does. Its int4 blockwise / per-channel FULLY_CONNECTED (qd8 × qb4w)
// rounds them the same way, and so do we for int4 files (their int8 tensors included), as for
// our own int4 files. `like_google` also makes the transformer's fp32 ops XNNPACK's
// (WeightLoadOptions::xnnpack_float_ops), and, for blockwise INT4 files in blocks of 32 or 128,
// the int4 products its qb4w kernels' arithmetic (bf16 block scales, four lanes;
// WeightLoadOptions::int4_xnnpack_qb4w).
WeightLoadOptions TfliteWeightOptions(const format::TfliteImport& import, bool like_google);

}  // namespace litertlm

#endif  // LITERTLM_MODEL_TFLITE_WEIGHT_OPTIONS_H_
