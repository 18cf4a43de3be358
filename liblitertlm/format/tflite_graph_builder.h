// Builds a TensorFlow Lite model (public schema v3, the tables of tflite_schema.fbs) in memory:
// constant buffers, subgraphs of tensors and operators, signatures, and serialises it the way
// Google's large-model files are laid out: the FlatBuffer first, then every constant buffer after
// it at a 64-byte aligned offset (Buffer.offset / Buffer.size, counted from the model's start), so
// a reader can mmap the weights in place. Used by tflite_llm_writer.h; knows nothing of LLMs.
//
// Large buffers can be spilled to an unnamed scratch file as they are added (constructor's
// `spill_dir`), so a multi-GB model costs only its graph and small constants in memory until
// WriteTo streams FlatBuffer and buffers to the caller's sink (e.g. a .litertlm section).
#ifndef LITERTLM_FORMAT_TFLITE_GRAPH_BUILDER_H_
#define LITERTLM_FORMAT_TFLITE_GRAPH_BUILDER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "litertlm/status.h"
#include "util/scratch_file.h"

namespace litertlm::format {

// TensorType numbers of the public schema.
enum class TfliteType : int8_t { kFloat32 = 0, kFloat16 = 1, kInt32 = 2, kBool = 6, kInt8 = 9, kInt4 = 17 };

// Operator options this builder writes (the rest of an op's behaviour is its defaults).
struct TfliteOpOptions {
  enum class Kind { kNone, kFullyConnected, kSoftmax, kConcatenation, kReducer, kPack, kBatchMatMul, kGelu, kComposite };
  Kind kind = Kind::kNone;
  int axis = 0;               // concatenation, pack
  int values_count = 0;       // pack
  float beta = 1.0f;          // softmax
  bool flag = false;          // reducer keep_dims, batch_matmul adj_y, gelu approximate, FC keep_num_dims
  std::string composite_name;  // STABLEHLO_COMPOSITE
  int decomposition_subgraph = -1;
  std::vector<uint8_t> composite_attributes;  // FlexBuffer map
};

// Receives the serialized model in order, piece by piece.
using ByteSink = std::function<Status(std::span<const uint8_t>)>;

class TfliteGraphBuilder {
 public:
  // `spill_dir` empty: buffers stay in memory. Otherwise buffers of kSpillBytes or more go to a
  // scratch file created in that directory (util/scratch_file.h) when added.
  explicit TfliteGraphBuilder(std::string spill_dir = {});

  static constexpr size_t kSpillBytes = 64 << 10;

  // A constant buffer holding a copy of `bytes`; returns its index (0 is the empty buffer). A
  // failure to spill is kept and returned by WriteTo / Serialize.
  uint32_t AddBuffer(std::span<const uint8_t> bytes);
  // A new subgraph; returns its index.
  int AddSubgraph(std::string name);

  // A tensor of subgraph `sg`; `buffer` 0 = not a constant. Per-channel int8 weights pass
  // `scales` (one per slice of `quantized_dimension`; zero points 0).
  int AddTensor(int sg, std::string name, std::vector<int32_t> shape, TfliteType type, uint32_t buffer = 0,
                std::vector<float> scales = {}, int quantized_dimension = 0);
  // An INT4 weight [rows, cols] (constant `buffer`: two's-complement nibbles, element 2i in the
  // low nibble of byte i) quantized block-wise along its last dimension: BlockwiseQuantization
  // with `block_size` and the constant scale tensor `scales_tensor` (FLOAT16 [rows, cols /
  // block_size]) of the same subgraph, zero points -1 (symmetric), as ai_edge_quantizer writes.
  int AddBlockwiseInt4Tensor(int sg, std::string name, std::vector<int32_t> shape, uint32_t buffer,
                             int scales_tensor, int block_size);
  // Shorthands for small constants (each gets a buffer of its own).
  int AddInt32Const(int sg, std::string name, std::vector<int32_t> shape, std::span<const int32_t> values);
  int AddFloatConst(int sg, std::string name, std::vector<int32_t> shape, std::span<const float> values);

  // Appends operator `builtin_code` (version `version`).
  void AddOp(int sg, int32_t builtin_code, int version, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
             TfliteOpOptions options = {});

  void SetSubgraphIO(int sg, std::vector<int32_t> inputs, std::vector<int32_t> outputs);
  // A signature over subgraph `sg`: (name, tensor) pairs.
  void AddSignature(std::string key, int sg, std::vector<std::pair<std::string, int32_t>> inputs,
                    std::vector<std::pair<std::string, int32_t>> outputs);

  const std::vector<int32_t>& Shape(int sg, int tensor) const { return subgraphs_[sg].tensors[tensor].shape; }
  TfliteType Type(int sg, int tensor) const { return subgraphs_[sg].tensors[tensor].type; }
  int NumSubgraphs() const { return static_cast<int>(subgraphs_.size()); }
  // Bytes of all buffers added so far.
  uint64_t buffer_bytes() const { return buffer_bytes_; }

  // The whole model: FlatBuffer, padding, then the buffers (64-byte aligned), handed to `sink`
  // in order (spilled buffers are read back in pieces of at most a few MB).
  Status WriteTo(const ByteSink& sink) const;
  // The same, in memory.
  StatusOr<std::vector<uint8_t>> Serialize() const;

 private:
  struct TensorDef {
    std::string name;
    std::vector<int32_t> shape;
    TfliteType type;
    uint32_t buffer;
    std::vector<float> scales;
    int quantized_dimension;
    int block_size = 0;      // > 0: BlockwiseQuantization
    int block_scales = -1;   // its scale tensor
  };
  struct OpDef {
    uint32_t opcode_index;
    std::vector<int32_t> inputs, outputs;
    TfliteOpOptions options;
  };
  struct SubgraphDef {
    std::string name;
    std::vector<TensorDef> tensors;
    std::vector<OpDef> ops;
    std::vector<int32_t> inputs, outputs;
  };
  struct SignatureDef {
    std::string key;
    int subgraph;
    std::vector<std::pair<std::string, int32_t>> inputs, outputs;
  };
  // A buffer's bytes: in `bytes`, or `size` bytes at `spill_offset` of the scratch file.
  struct BufferDef {
    std::vector<uint8_t> bytes;
    uint64_t size = 0;
    bool spilled = false;
    uint64_t spill_offset = 0;
  };
  std::vector<uint8_t> BuildFlatbuffer(uint64_t data_base, const std::vector<uint64_t>& offsets) const;

  std::string spill_dir_;
  ScratchFile spill_;
  Status error_;
  std::vector<BufferDef> buffers_;  // [0] empty
  uint64_t buffer_bytes_ = 0;
  std::vector<std::pair<int32_t, int>> opcodes_;  // (builtin code, version)
  std::vector<SubgraphDef> subgraphs_;
  std::vector<SignatureDef> signatures_;
};

}  // namespace litertlm::format

#endif  // LITERTLM_FORMAT_TFLITE_GRAPH_BUILDER_H_
