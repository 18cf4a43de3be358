#include "format/tflite_llm_writer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <flatbuffers/flexbuffers.h>

#include "format/model_family.h"
#include "format/tflite_graph_builder.h"
#include "format/tflite_model.h"
#include "kernels/quantize.h"
#include "util/half.h"
#include "util/status_macros.h"
#include "util/text_list.h"

namespace litertlm::format {
namespace {

using Kind = TfliteOpOptions::Kind;
constexpr int32_t kOpMean = 40;
constexpr int32_t kOpRsqrt = 76;

std::span<const uint8_t> Bytes(const std::vector<float>& v) {
  return {reinterpret_cast<const uint8_t*>(v.data()), v.size() * sizeof(float)};
}

// A weight stored once, referenced from every signature's subgraph.
struct StoredWeight {
  uint32_t buffer = 0;
  std::vector<int32_t> shape;
  TfliteType type = TfliteType::kFloat32;
  std::vector<float> scales;  // int8: one per row
  int block = 0;              // int4: the block size; its fp16 scales [rows, cols / block] in:
  uint32_t scale_buffer = 0;
};

// int4 block-wise as ai_edge_quantizer quantizes (uniform_quantize_tensor.py, symmetric, signed
// 4 bits): per block of `block` inputs, s = max|w| / 7 (at least 1e-9 / 7) rounded to bfloat16's
// 8 significant bits, stored as FLOAT16; q = round-half-even(w / s) clamped to [-8, 7]. TFLite INT4
// packs element 2i into the low nibble of byte i (two's complement), row-major. The quotient uses
// the stored fp16 scale, so q · s is exactly what both runtimes multiply by.
struct Int4Blocks {
  std::vector<uint8_t> nibbles;
  std::vector<uint16_t> scales;  // fp16
};

Int4Blocks QuantizeInt4Blocks(const std::vector<float>& w, int64_t rows, int64_t cols, int block) {
  Int4Blocks out;
  out.nibbles.assign(static_cast<size_t>((rows * cols + 1) / 2), 0);
  out.scales.resize(static_cast<size_t>(rows * (cols / block)));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t b = 0; b < cols / block; ++b) {
      const float* x = w.data() + r * cols + b * block;
      float bound = 1e-9f;
      for (int i = 0; i < block; ++i) bound = std::max(bound, std::fabs(x[i]));
      // bfloat16 rounding, then to fp16 (exact unless below fp16's normal range); the fp16 maximum
      // bounds it (ai_edge_quantizer clips its bound to 65280 · 15 likewise).
      const float s_bf16 = std::min(Bf16ToF32(F32ToBf16(bound / 7.0f)), 65280.0f);
      const uint16_t h = F32ToF16(s_bf16);
      out.scales[static_cast<size_t>(r * (cols / block) + b)] = h;
      const float s = F16ToF32(h);
      for (int i = 0; i < block; ++i) {
        const float q = s > 0.0f ? std::clamp(std::nearbyint(x[i] / s), -8.0f, 7.0f) : 0.0f;
        const int64_t e = r * cols + b * block + i;
        const uint8_t nib = static_cast<uint8_t>(static_cast<int>(q) & 0xF);
        out.nibbles[static_cast<size_t>(e / 2)] |= static_cast<uint8_t>(e % 2 == 0 ? nib : nib << 4);
      }
    }
  }
  return out;
}

class LlmGraphWriter {
 public:
  LlmGraphWriter(const ModelConfig& c, const FloatTensorFn& weights, const TfliteLlmOptions& o)
      : c_(c), weights_(weights), o_(o), b_(o.spill_dir) {}

  Status StoreWeights();
  void BuildSignature(int T, bool decode);
  Status Finish(const ByteSink& sink) { return b_.WriteTo(sink); }
  int int4_fallbacks() const { return int4_fallbacks_; }

 private:
  Status Store(const std::string& name, std::vector<int32_t> shape, bool quantize);
  Status StoreNorm(const std::string& name, int size);
  Status Stored(const std::string& name) { return o_.on_stored ? o_.on_stored(name, b_.buffer_bytes()) : Status::Ok(); }
  int RopeTable(const RopeConfig& rope, int posf, int T, int* sin);
  int W(const std::string& name);
  std::string NextName(char prefix) {
    std::string name(1, prefix);
    name.append(std::to_string(counter_++));
    return name;
  }
  int Act(std::vector<int32_t> shape, TfliteType type = TfliteType::kFloat32) {
    return b_.AddTensor(sg_, NextName('t'), std::move(shape), type);
  }
  int I32(std::vector<int32_t> values) {
    const std::vector<int32_t> shape = {static_cast<int32_t>(values.size())};
    return b_.AddInt32Const(sg_, NextName('c'), shape, values);
  }
  int F32(std::vector<int32_t> shape, std::vector<float> values) {
    return b_.AddFloatConst(sg_, NextName('c'), std::move(shape), values);
  }
  int Op(int32_t code, std::vector<int32_t> in, std::vector<int32_t> out_shape, TfliteOpOptions opt = {},
         int version = 1, TfliteType type = TfliteType::kFloat32) {
    const int out = Act(std::move(out_shape), type);
    b_.AddOp(sg_, code, version, std::move(in), {out}, std::move(opt));
    return out;
  }
  int Reshape(int x, std::vector<int32_t> shape) {
    const int s = I32(shape);
    return Op(static_cast<int32_t>(TfliteOp::kReshape), {x, s}, shape, {}, 1, b_.Type(sg_, x));
  }
  int Transpose(int x, std::vector<int32_t> perm) {
    const auto& in = b_.Shape(sg_, x);
    std::vector<int32_t> shape;
    for (int p : perm) shape.push_back(in[p]);
    return Op(static_cast<int32_t>(TfliteOp::kTranspose), {x, I32(perm)}, shape, {}, 1, b_.Type(sg_, x));
  }
  int Binary(TfliteOp op, int a, int bt, std::vector<int32_t> shape) {
    return Op(static_cast<int32_t>(op), {a, bt}, std::move(shape));
  }
  int FullyConnected(int x, const std::string& weight, int out_features) {
    std::vector<int32_t> shape = b_.Shape(sg_, x);
    shape.back() = out_features;
    TfliteOpOptions opt;
    opt.kind = Kind::kFullyConnected;
    opt.flag = true;  // keep_num_dims
    const int w = W(weight);
    const int out = Act(shape);
    b_.AddOp(sg_, static_cast<int32_t>(TfliteOp::kFullyConnected), 5, {x, w, -1}, {out}, opt);
    return out;
  }
  int RmsNorm(int x, const std::string& weight);
  int Rope(int x, int cos, int sin);

  const ModelConfig& c_;
  const FloatTensorFn& weights_;
  const TfliteLlmOptions& o_;
  TfliteGraphBuilder b_;
  std::map<std::string, StoredWeight> stored_;
  std::map<std::string, int> local_;  // weights of the current subgraph
  int sg_ = -1;
  int counter_ = 0;
  int int4_fallbacks_ = 0;
  std::vector<std::pair<int, std::string>> pending_norms_;  // (composite op's subgraph, name)
};

Status LlmGraphWriter::Store(const std::string& name, std::vector<int32_t> shape, bool quantize) {
  ASSIGN_OR_RETURN(std::vector<float> values, weights_(name));
  int64_t n = 1;
  for (int32_t d : shape) n *= d;
  if (static_cast<int64_t>(values.size()) != n) {
    return InvalidArgumentError("TFLite writer: tensor " + name + " has " + std::to_string(values.size()) +
                                " values, the config implies " + std::to_string(n));
  }
  StoredWeight w;
  w.shape = shape;
  const int64_t cols = n / shape[0];
  const bool vocab_matrix = name == "model.embed_tokens.weight" || name == "lm_head.weight";
  const bool int4 = (o_.weights == TfliteWeights::kInt4Block32 || o_.weights == TfliteWeights::kInt4Block128) &&
                    (o_.int4_embedding || !vocab_matrix);
  if (quantize && int4 && cols % kTfliteInt4Group == 0) {
    w.block = o_.weights == TfliteWeights::kInt4Block32 ? 32 : 128;
    Int4Blocks q = QuantizeInt4Blocks(values, shape[0], cols, w.block);
    w.buffer = b_.AddBuffer(q.nibbles);
    w.type = TfliteType::kInt4;
    w.scale_buffer = b_.AddBuffer(
        std::span(reinterpret_cast<const uint8_t*>(q.scales.data()), q.scales.size() * sizeof(uint16_t)));
  } else if (quantize && o_.weights == TfliteWeights::kFp16) {
    std::vector<uint16_t> half(values.size());
    for (size_t i = 0; i < values.size(); ++i) half[i] = F32ToF16(values[i]);
    w.buffer = b_.AddBuffer(std::span(reinterpret_cast<const uint8_t*>(half.data()), half.size() * sizeof(uint16_t)));
    w.type = TfliteType::kFloat16;
  } else if (quantize && o_.weights != TfliteWeights::kFp32) {
    int4_fallbacks_ += int4;  // int4 asked for, the input size not a multiple of the group
    StatusOr<QuantizedMatrix> quantized = QuantizeMatrix(values.data(), shape[0], n / shape[0], DType::kI8);
    if (!quantized.ok()) return Status(quantized.status().code(), "tensor " + name + ": " + quantized.status().message());
    QuantizedMatrix& q = *quantized;
    w.buffer = b_.AddBuffer(q.data);
    w.type = TfliteType::kInt8;
    w.scales = std::move(q.scales);
  } else {
    w.buffer = b_.AddBuffer(Bytes(values));
  }
  stored_[name] = std::move(w);
  return Stored(name);
}

// RMSNorm weights as the files hold them: Gemma's 1 + w already added.
Status LlmGraphWriter::StoreNorm(const std::string& name, int size) {
  ASSIGN_OR_RETURN(std::vector<float> values, weights_(name));
  if (static_cast<int>(values.size()) != size) {
    return InvalidArgumentError("TFLite writer: tensor " + name + " has " + std::to_string(values.size()) +
                                " values, the config implies " + std::to_string(size));
  }
  if (c_.norm_weight_plus_one) {
    for (float& v : values) v += 1.0f;
  }
  StoredWeight w;
  w.shape = {size};
  w.buffer = b_.AddBuffer(Bytes(values));
  stored_[name] = std::move(w);
  return Stored(name);
}

Status LlmGraphWriter::StoreWeights() {
  const int H = c_.hidden_size, D = c_.head_dim, I = c_.intermediate_size;
  const int q_out = c_.num_heads * D, kv_out = c_.num_kv_heads * D;
  RETURN_IF_ERROR(Store("model.embed_tokens.weight", {c_.vocab_size, H}, true));
  for (int l = 0; l < c_.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    RETURN_IF_ERROR(StoreNorm(p + "input_layernorm.weight", H));
    RETURN_IF_ERROR(StoreNorm(p + "post_attention_layernorm.weight", H));
    if (c_.sandwich_norms) {
      RETURN_IF_ERROR(StoreNorm(p + "pre_feedforward_layernorm.weight", H));
      RETURN_IF_ERROR(StoreNorm(p + "post_feedforward_layernorm.weight", H));
    }
    RETURN_IF_ERROR(StoreNorm(p + "self_attn.q_norm.weight", D));
    RETURN_IF_ERROR(StoreNorm(p + "self_attn.k_norm.weight", D));
    RETURN_IF_ERROR(Store(p + "self_attn.q_proj.weight", {q_out, H}, true));
    RETURN_IF_ERROR(Store(p + "self_attn.k_proj.weight", {kv_out, H}, true));
    RETURN_IF_ERROR(Store(p + "self_attn.v_proj.weight", {kv_out, H}, true));
    RETURN_IF_ERROR(Store(p + "self_attn.o_proj.weight", {H, q_out}, true));
    RETURN_IF_ERROR(Store(p + "mlp.gate_proj.weight", {I, H}, true));
    RETURN_IF_ERROR(Store(p + "mlp.up_proj.weight", {I, H}, true));
    RETURN_IF_ERROR(Store(p + "mlp.down_proj.weight", {H, I}, true));
  }
  RETURN_IF_ERROR(StoreNorm("model.norm.weight", H));
  if (c_.tie_word_embeddings) {
    stored_["lm_head.weight"] = stored_["model.embed_tokens.weight"];  // the same buffer
  } else {
    RETURN_IF_ERROR(Store("lm_head.weight", {c_.vocab_size, H}, true));
  }
  return Status::Ok();
}

int LlmGraphWriter::W(const std::string& name) {
  auto it = local_.find(name);
  if (it != local_.end()) return it->second;
  const StoredWeight& w = stored_.at(name);
  int t;
  if (w.block > 0) {
    const int scales = b_.AddTensor(sg_, name + "_scales", {w.shape[0], w.shape[1] / w.block}, TfliteType::kFloat16,
                                    w.scale_buffer);
    t = b_.AddBlockwiseInt4Tensor(sg_, name, w.shape, w.buffer, scales, w.block);
  } else if (w.type == TfliteType::kFloat16) {
    const int half = b_.AddTensor(sg_, name, w.shape, TfliteType::kFloat16, w.buffer);
    t = b_.AddTensor(sg_, name + "_dequant", w.shape, TfliteType::kFloat32);
    b_.AddOp(sg_, static_cast<int32_t>(TfliteOp::kDequantize), 1, {half}, {t});
  } else {
    t = b_.AddTensor(sg_, name, w.shape, w.type, w.buffer, w.scales, 0);
  }
  local_[name] = t;
  return t;
}

int LlmGraphWriter::RmsNorm(int x, const std::string& weight) {
  const std::vector<int32_t> shape = b_.Shape(sg_, x);
  const int w = W(weight);
  // The decomposition: a subgraph of its own with the call's shapes.
  const int caller = sg_;
  const int dsg = b_.AddSubgraph("odml.rms_norm.impl_" + std::to_string(b_.NumSubgraphs()));
  sg_ = dsg;
  const int arg0 = Act(shape);
  const int arg1 = b_.AddTensor(sg_, "arg1", {shape.back()}, TfliteType::kFloat32);
  std::vector<int32_t> reduced = shape;
  reduced.back() = 1;
  const int sq = Binary(TfliteOp::kMul, arg0, arg0, shape);
  TfliteOpOptions keep;
  keep.kind = Kind::kReducer;
  keep.flag = true;
  const int mean = Op(kOpMean, {sq, I32({static_cast<int32_t>(shape.size()) - 1})}, reduced, keep);
  const int eps = F32({}, {static_cast<float>(c_.rms_norm_eps)});
  const int sum = Binary(TfliteOp::kAdd, mean, eps, reduced);
  const int r = Op(kOpRsqrt, {sum}, reduced);
  const int normed = Binary(TfliteOp::kMul, arg0, r, shape);
  const int out = Binary(TfliteOp::kMul, normed, arg1, shape);
  b_.SetSubgraphIO(dsg, {arg0, arg1}, {out});
  sg_ = caller;

  flexbuffers::Builder fbb;
  fbb.Map([&] { fbb.Float("epsilon", static_cast<float>(c_.rms_norm_eps)); });
  fbb.Finish();
  TfliteOpOptions opt;
  opt.kind = Kind::kComposite;
  opt.composite_name = "odml.rms_norm";
  opt.decomposition_subgraph = dsg;
  opt.composite_attributes = fbb.GetBuffer();
  return Op(static_cast<int32_t>(TfliteOp::kStablehloComposite), {x, w}, shape, opt);
}

// cos [1,T,D] of input_pos × the inverse frequencies (concatenated with themselves); *sin likewise.
int LlmGraphWriter::RopeTable(const RopeConfig& rope, int posf, int T, int* sin) {
  const int D = c_.head_dim;
  const std::vector<float> inv_freq = TfliteRopeInvFreq(rope, D);
  const int ang = Binary(TfliteOp::kMul, posf, F32({1, 1, D / 2}, inv_freq), {1, T, D / 2});
  TfliteOpOptions cat2;
  cat2.kind = Kind::kConcatenation;
  cat2.axis = 2;
  const int ang2 = Op(static_cast<int32_t>(TfliteOp::kConcatenation), {ang, ang}, {1, T, D}, cat2);
  const int cos = Op(static_cast<int32_t>(TfliteOp::kCos), {ang2}, {1, T, D});
  *sin = Op(static_cast<int32_t>(TfliteOp::kSin), {ang2}, {1, T, D});
  return cos;
}

// x [1,heads,T,D]; cos/sin [1,T,D]: x·cos + rotate_half(x)·sin.
int LlmGraphWriter::Rope(int x, int cos, int sin) {
  const std::vector<int32_t> shape = b_.Shape(sg_, x);
  const int half = shape[3] / 2;
  std::vector<int32_t> half_shape = shape;
  half_shape[3] = half;
  const int xc = Binary(TfliteOp::kMul, x, cos, shape);
  const int size = I32(half_shape);
  const int x1 = Op(static_cast<int32_t>(TfliteOp::kSlice), {x, I32({0, 0, 0, 0}), size}, half_shape);
  const int x2 = Op(static_cast<int32_t>(TfliteOp::kSlice), {x, I32({0, 0, 0, half}), size}, half_shape);
  const int neg = Binary(TfliteOp::kMul, x2, F32({}, {-1.0f}), half_shape);
  TfliteOpOptions cat;
  cat.kind = Kind::kConcatenation;
  cat.axis = 3;
  const int rot = Op(static_cast<int32_t>(TfliteOp::kConcatenation), {neg, x1}, shape, cat);
  const int rs = Binary(TfliteOp::kMul, rot, sin, shape);
  return Binary(TfliteOp::kAdd, xc, rs, shape);
}

void LlmGraphWriter::BuildSignature(int T, bool decode) {
  const std::string key = decode ? "decode" : "prefill_" + std::to_string(T);
  sg_ = b_.AddSubgraph(key);
  local_.clear();
  const int H = c_.hidden_size, D = c_.head_dim, L = o_.kv_cache_len;
  const int NQ = c_.num_heads, KV = c_.num_kv_heads, G = NQ / KV;

  std::vector<std::pair<std::string, int32_t>> sig_in, sig_out;
  std::vector<int32_t> sg_in, sg_out;
  const int tokens = b_.AddTensor(sg_, key + "_tokens", {1, T}, TfliteType::kInt32);
  const int input_pos = b_.AddTensor(sg_, key + "_input_pos", {T}, TfliteType::kInt32);
  const int mask = b_.AddTensor(sg_, key + "_mask", {1, 1, T, L}, TfliteType::kFloat32);
  sg_in = {tokens, input_pos, mask};
  sig_in = {{"tokens", tokens}, {"input_pos", input_pos}, {"mask", mask}};
  std::vector<int> k_cache, v_cache;
  for (int l = 0; l < c_.num_layers; ++l) {
    const std::string kn = "kv_cache_k_" + std::to_string(l), vn = "kv_cache_v_" + std::to_string(l);
    k_cache.push_back(b_.AddTensor(sg_, key + "_" + kn, {1, KV, L, D}, TfliteType::kFloat32));
    v_cache.push_back(b_.AddTensor(sg_, key + "_" + vn, {1, KV, D, L}, TfliteType::kFloat32));
    sg_in.push_back(k_cache.back());
    sg_in.push_back(v_cache.back());
    sig_in.emplace_back(kn, k_cache.back());
    sig_in.emplace_back(vn, v_cache.back());
  }

  // Embedding.
  const int flat = Reshape(tokens, {T});
  const int emb = Op(static_cast<int32_t>(TfliteOp::kEmbeddingLookup), {flat, W("model.embed_tokens.weight")}, {T, H});
  int x = Reshape(emb, {1, T, H});
  if (c_.scale_embeddings) {
    x = Binary(TfliteOp::kMul, x, F32({}, {static_cast<float>(std::sqrt(static_cast<double>(H)))}), {1, T, H});
  }

  // RoPE tables from input_pos: global (full-attention layers) and, for Gemma 3, local.
  const int pos3 = Reshape(input_pos, {1, T, 1});
  const int posf = Op(static_cast<int32_t>(TfliteOp::kCast), {pos3}, {1, T, 1});
  const bool any_sliding = std::find(c_.layer_sliding.begin(), c_.layer_sliding.end(), true) != c_.layer_sliding.end();
  int sin_global = -1, sin_local = -1, cos_local = -1;
  const int cos_global = RopeTable(c_.rope_global, posf, T, &sin_global);
  if (any_sliding) cos_local = RopeTable(c_.rope_local, posf, T, &sin_local);

  // Cache write position: input_pos[0].
  const int first = Op(static_cast<int32_t>(TfliteOp::kSlice), {input_pos, I32({0}), I32({1})}, {1}, {}, 1,
                       TfliteType::kInt32);
  const int empty_shape = b_.AddInt32Const(sg_, "scalar_shape", {0}, std::span<const int32_t>());
  const int pos = Op(static_cast<int32_t>(TfliteOp::kReshape), {first, empty_shape}, {}, {}, 1, TfliteType::kInt32);
  const std::vector<int32_t> zero_v = {0};
  const int zero = b_.AddInt32Const(sg_, "zero", {}, zero_v);
  TfliteOpOptions pack;
  pack.kind = Kind::kPack;
  pack.values_count = 4;
  const int k_index = Op(static_cast<int32_t>(TfliteOp::kPack), {zero, zero, pos, zero}, {4}, pack, 1, TfliteType::kInt32);
  const int v_index = Op(static_cast<int32_t>(TfliteOp::kPack), {zero, zero, zero, pos}, {4}, pack, 1, TfliteType::kInt32);

  // Sliding-window layers add -10000 where |j - p| >= window (Gemma 3, as export_hf writes it).
  int sliding_mask = -1;
  if (any_sliding) {
    std::vector<int32_t> range(L);
    for (int j = 0; j < L; ++j) range[j] = j;
    const int arange = b_.AddInt32Const(sg_, "kv_positions", {1, 1, L}, range);
    const std::vector<int32_t> window_v = {c_.sliding_window};
    const int window = b_.AddInt32Const(sg_, "sliding_window", {}, window_v);
    const int lo = Op(static_cast<int32_t>(TfliteOp::kSub), {pos3, window}, {1, T, 1}, {}, 1, TfliteType::kInt32);
    const int after = Op(static_cast<int32_t>(TfliteOp::kGreater), {arange, lo}, {1, T, L}, {}, 1, TfliteType::kBool);
    const int hi = Op(static_cast<int32_t>(TfliteOp::kAdd), {pos3, window}, {1, T, 1}, {}, 1, TfliteType::kInt32);
    const int before = Op(static_cast<int32_t>(TfliteOp::kLess), {arange, hi}, {1, T, L}, {}, 1, TfliteType::kBool);
    const int inside =
        Op(static_cast<int32_t>(TfliteOp::kLogicalAnd), {after, before}, {1, T, L}, {}, 1, TfliteType::kBool);
    const int select = Op(static_cast<int32_t>(TfliteOp::kSelectV2), {inside, F32({}, {0.0f}), F32({}, {-10000.0f})},
                          {1, T, L});
    sliding_mask = Binary(TfliteOp::kAdd, select, mask, {1, 1, T, L});
  }
  // The masks repeated for the query heads sharing one KV head.
  auto grouped = [&](int m) {
    if (G == 1) return m;
    TfliteOpOptions cat;
    cat.kind = Kind::kConcatenation;
    cat.axis = 2;
    return Op(static_cast<int32_t>(TfliteOp::kConcatenation), std::vector<int32_t>(G, m), {1, 1, G * T, L}, cat);
  };
  const int group_mask = grouped(mask);
  const int group_sliding_mask = any_sliding ? grouped(sliding_mask) : -1;
  const float scale = static_cast<float>(c_.attention_scale);

  for (int l = 0; l < c_.num_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const int h = RmsNorm(x, p + "input_layernorm.weight");
    int q = FullyConnected(h, p + "self_attn.q_proj.weight", NQ * D);
    q = Reshape(q, {1, T, NQ, D});
    q = RmsNorm(q, p + "self_attn.q_norm.weight");
    q = Transpose(q, {0, 2, 1, 3});
    int k = FullyConnected(h, p + "self_attn.k_proj.weight", KV * D);
    k = Reshape(k, {1, T, KV, D});
    k = RmsNorm(k, p + "self_attn.k_norm.weight");
    k = Transpose(k, {0, 2, 1, 3});
    int v = FullyConnected(h, p + "self_attn.v_proj.weight", KV * D);
    v = Reshape(v, {1, T, KV, D});
    v = Transpose(v, {0, 2, 3, 1});  // [1, KV, D, T]
    const bool sliding = c_.layer_sliding.size() > static_cast<size_t>(l) && c_.layer_sliding[l];
    const int cos = sliding ? cos_local : cos_global, sin = sliding ? sin_local : sin_global;
    q = Rope(q, cos, sin);
    k = Rope(k, cos, sin);
    const int kc = Op(static_cast<int32_t>(TfliteOp::kDynamicUpdateSlice), {k_cache[l], k, k_index}, {1, KV, L, D});
    const int vc = Op(static_cast<int32_t>(TfliteOp::kDynamicUpdateSlice), {v_cache[l], v, v_index}, {1, KV, D, L});
    sg_out.push_back(kc);
    sg_out.push_back(vc);
    sig_out.emplace_back("kv_cache_k_" + std::to_string(l), kc);
    sig_out.emplace_back("kv_cache_v_" + std::to_string(l), vc);

    q = Binary(TfliteOp::kMul, q, F32({}, {scale}), {1, NQ, T, D});
    q = Reshape(q, {1, KV, G * T, D});
    TfliteOpOptions adj;
    adj.kind = Kind::kBatchMatMul;
    adj.flag = true;  // adj_y
    int s = Op(static_cast<int32_t>(TfliteOp::kBatchMatmul), {q, kc}, {1, KV, G * T, L}, adj);
    s = Binary(TfliteOp::kAdd, s, sliding ? group_sliding_mask : group_mask, {1, KV, G * T, L});
    TfliteOpOptions softmax;
    softmax.kind = Kind::kSoftmax;
    const int pr = Op(static_cast<int32_t>(TfliteOp::kSoftmax), {s}, {1, KV, G * T, L}, softmax);
    int a = Op(static_cast<int32_t>(TfliteOp::kBatchMatmul), {pr, vc}, {1, KV, G * T, D}, adj);
    a = Reshape(a, {1, NQ, T, D});
    a = Transpose(a, {0, 2, 1, 3});
    a = Reshape(a, {1, T, NQ * D});
    int o = FullyConnected(a, p + "self_attn.o_proj.weight", H);
    if (c_.sandwich_norms) o = RmsNorm(o, p + "post_attention_layernorm.weight");
    x = Binary(TfliteOp::kAdd, x, o, {1, T, H});

    const int h2 = RmsNorm(x, p + (c_.sandwich_norms ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"));
    const int g = FullyConnected(h2, p + "mlp.gate_proj.weight", c_.intermediate_size);
    int act;
    if (c_.activation == Activation::kSilu) {
      const int sg = Op(static_cast<int32_t>(TfliteOp::kLogistic), {g}, b_.Shape(sg_, g));
      act = Binary(TfliteOp::kMul, g, sg, b_.Shape(sg_, g));
    } else {
      TfliteOpOptions gelu;
      gelu.kind = Kind::kGelu;
      gelu.flag = c_.activation == Activation::kGeluTanh;  // approximate
      act = Op(static_cast<int32_t>(TfliteOp::kGelu), {g}, b_.Shape(sg_, g), gelu);
    }
    const int up = FullyConnected(h2, p + "mlp.up_proj.weight", c_.intermediate_size);
    const int m = Binary(TfliteOp::kMul, act, up, b_.Shape(sg_, g));
    int down = FullyConnected(m, p + "mlp.down_proj.weight", H);
    if (c_.sandwich_norms) down = RmsNorm(down, p + "post_feedforward_layernorm.weight");
    x = Binary(TfliteOp::kAdd, x, down, {1, T, H});
  }
  if (decode) {
    const int xn = RmsNorm(x, "model.norm.weight");
    int logits = FullyConnected(xn, "lm_head.weight", c_.vocab_size);
    if (c_.final_logit_softcapping) {  // tanh(logits / cap) * cap
      const float cap = static_cast<float>(*c_.final_logit_softcapping);
      const std::vector<int32_t> shape = b_.Shape(sg_, logits);
      const int scaled = Binary(TfliteOp::kDiv, logits, F32({}, {cap}), shape);
      const int capped = Op(static_cast<int32_t>(TfliteOp::kTanh), {scaled}, shape);
      logits = Binary(TfliteOp::kMul, capped, F32({}, {cap}), shape);
    }
    sg_out.push_back(logits);
    sig_out.emplace_back("logits", logits);
  }
  b_.SetSubgraphIO(sg_, sg_in, sg_out);
  auto by_name = [](const auto& a, const auto& b2) { return a.first < b2.first; };
  std::sort(sig_in.begin(), sig_in.end(), by_name);
  std::sort(sig_out.begin(), sig_out.end(), by_name);
  b_.AddSignature(key, sg_, sig_in, sig_out);
}

// "Qwen3 and Gemma3": the families whose graphs the writer writes, for messages.
std::string TfliteFamilyNames() {
  std::vector<std::string_view> names;
  for (const ModelFamily& f : ModelFamilies()) {
    if (f.tflite_graph) names.push_back(f.name);
  }
  return JoinWithAnd(names);
}

}  // namespace

Status CheckTfliteLlm(const ModelConfig& config, const TfliteLlmOptions& options) {
  const ModelFamily* family = FindFamilyByHfArchitecture(config.architecture);
  if (family == nullptr || !family->tflite_graph) {
    return UnimplementedError("the TFLite writer writes " + TfliteFamilyNames() + " models, not " +
                              std::string(family != nullptr ? family->model_types[0] : "this architecture"));
  }
  if (config.attn_logit_softcapping) {
    return UnimplementedError("the TFLite writer does not write attention soft-capping (config.json "
                              "attn_logit_softcapping)");
  }
  if (options.prefill_lengths.empty()) return InvalidArgumentError("--prefill-seq-len: at least one length is needed");
  if (options.kv_cache_len <= 0) return InvalidArgumentError("--kv-cache-max-len must be positive");
  for (int t : options.prefill_lengths) {
    if (t <= 0 || t > options.kv_cache_len) {
      return InvalidArgumentError("--prefill-seq-len " + std::to_string(t) + " must be in [1, --kv-cache-max-len " +
                                  std::to_string(options.kv_cache_len) + "]");
    }
  }
  if (config.num_kv_heads <= 0 || config.num_heads % config.num_kv_heads != 0 || config.head_dim % 2 != 0 ||
      config.attention_bias || !config.qk_norm) {
    return UnimplementedError("the TFLite writer does not handle this model's attention (heads " +
                              std::to_string(config.num_heads) + "/" + std::to_string(config.num_kv_heads) +
                              ", head_dim " + std::to_string(config.head_dim) +
                              (config.attention_bias ? ", biases" : "") + (config.qk_norm ? "" : ", no q/k norms") + ")");
  }
  return Status::Ok();
}

Status WriteTfliteLlm(const ModelConfig& config, const FloatTensorFn& weights, const TfliteLlmOptions& options,
                      const ByteSink& sink, TfliteLlmWritten* written) {
  RETURN_IF_ERROR(CheckTfliteLlm(config, options));
  LlmGraphWriter writer(config, weights, options);
  RETURN_IF_ERROR(writer.StoreWeights());
  std::vector<int> lengths = options.prefill_lengths;
  std::sort(lengths.begin(), lengths.end());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  for (int t : lengths) writer.BuildSignature(t, false);
  writer.BuildSignature(1, true);
  if (written != nullptr) written->int4_fallback_tensors = writer.int4_fallbacks();
  return writer.Finish(sink);
}

std::vector<float> TfliteRopeInvFreq(const RopeConfig& rope, int head_dim) {
  if (!rope.inv_freq.empty()) return rope.inv_freq;  // a Google-made file's own (model_config.h)
  const int D = head_dim;
  std::vector<float> inv_freq(D / 2);
  for (int i = 0; i < D / 2; ++i) {
    inv_freq[i] = static_cast<float>(1.0 / std::pow(rope.theta, 2.0 * i / D) / rope.linear_factor);
    if (rope.llama3) inv_freq[i] = Llama3ScaledInvFreq(*rope.llama3, inv_freq[i]);
    if (!rope.freq_factors.empty()) inv_freq[i] /= rope.freq_factors[i];
  }
  return inv_freq;
}

}  // namespace litertlm::format
