// The ExecutorMetadataProto section (executor_metadata.proto) of a TFLite-model .litertlm file:
// which tensors of the graph are state Google's LiteRT-LM executor carries between calls (the KV
// caches), their kind, the axis positions lie on and how many positions they hold.
//
// - ExecutorMetadataForTfliteLlm derives what litert-torch's export_hf writes from a graph with
//   its conventions (tflite_llm_writer.h): the converter calls it on the model it has just written,
//   so the section describes exactly that graph.
// - CheckExecutorMetadata is what our engine does with a file's section at load: liblitertlm sizes
//   its caches from the graph's tensors and otherwise ignores the section, but a section that
//   contradicts the graph (a state buffer the signatures do not have, an axis past the tensor's
//   rank, a length the tensor cannot hold) is refused with an error naming the buffer, because
//   Google's runtime, which sizes its state from the section, would not run that file as we do.
// - ExecutorMetadataSummary is `inspect`'s one-line description.
#ifndef LITERTLM_FORMAT_EXECUTOR_METADATA_H_
#define LITERTLM_FORMAT_EXECUTOR_METADATA_H_

#include <string>

#include "format/executor_metadata.pb.h"
#include "format/tflite_model.h"
#include "litertlm/status.h"

namespace litertlm::format {

// The position axis of the caches in export_hf's layout: K [1,KV,L,D], V transposed [1,KV,D,L].
inline constexpr int kKeyCacheSequenceAxis = 2;
inline constexpr int kValueCacheSequenceAxis = 3;

// For each layer i in order (layers counted from the decode signature's inputs kv_cache_k_0, 1,
// ...): a StateBuffer for kv_cache_k_i, then one for kv_cache_v_i, that name in all four name
// fields, TYPE_GLOBAL_KEY_CACHE / TYPE_GLOBAL_VALUE_CACHE, sequence_axis 2 / 3,
// maximum_sequence_length L; max_history_size L. L is the caches' size on that axis, which must be
// the same for every cache in every signature (each `prefill_*` and `decode` must have every cache
// as input and output, rank 4). export_hf marks Gemma 3's sliding-window layers global too (their
// caches are full length; the window is in the mask), and so does this. Errors name the
// signature and tensor.
StatusOr<litert::lm::proto::ExecutorMetadata> ExecutorMetadataForTfliteLlm(const TfliteModel& model);

// OK when `metadata` agrees with `model`: every non-empty prefill name is an input / output of
// every `prefill_*` signature and every decode name of the `decode` signature; sequence_axis (when
// set) is inside each such tensor's rank; minimum_/maximum_sequence_length (when set) are at most
// the tensor's size on that axis; max_history_size (when set) is -1 or at most the longest
// maximum_sequence_length. Anything else (policy, attention mask settings, unknown fields) is not
// checked. The error names the state buffer, the field, both values and the tensor.
Status CheckExecutorMetadata(const litert::lm::proto::ExecutorMetadata& metadata, const TfliteModel& model);

// "6 state buffers: 3 TYPE_GLOBAL_KEY_CACHE (axis 2, length <= 64), 3 TYPE_GLOBAL_VALUE_CACHE
// (axis 3, length <= 64); max history 64": buffers grouped by type, axis and lengths, in
// first-seen order.
std::string ExecutorMetadataSummary(const litert::lm::proto::ExecutorMetadata& metadata);

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_EXECUTOR_METADATA_H_
