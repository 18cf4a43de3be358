#include "format/tflite_importer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include <flatbuffers/flexbuffers.h>

#include "format/tflite_graph.h"
#include "util/half.h"
#include "util/status_macros.h"

namespace litertlm::format {
namespace {

constexpr std::string_view kDecode = "decode";

bool Is(const TfliteGraph& g, int op, TfliteOp code) { return op >= 0 && g.Code(op) == static_cast<int>(code); }

// Ops a supported graph may hold (decode signature). Anything else is named in the error.
bool KnownOp(int code) {
  switch (static_cast<TfliteOp>(code)) {
    case TfliteOp::kAdd: case TfliteOp::kConcatenation: case TfliteOp::kEmbeddingLookup:
    case TfliteOp::kFullyConnected: case TfliteOp::kLogistic: case TfliteOp::kMul: case TfliteOp::kReshape:
    case TfliteOp::kSoftmax: case TfliteOp::kTanh: case TfliteOp::kTranspose: case TfliteOp::kSub:
    case TfliteOp::kDiv: case TfliteOp::kCast: case TfliteOp::kLess: case TfliteOp::kGreater:
    case TfliteOp::kSlice: case TfliteOp::kSin: case TfliteOp::kPack: case TfliteOp::kLogicalAnd:
    case TfliteOp::kCos: case TfliteOp::kSelectV2: case TfliteOp::kBatchMatmul: case TfliteOp::kGelu:
    case TfliteOp::kDynamicUpdateSlice: case TfliteOp::kStablehloComposite:
    case TfliteOp::kGreaterEqual: case TfliteOp::kLessEqual: case TfliteOp::kSelect:
    case TfliteOp::kGatherNd: case TfliteOp::kReduceAll:  // the classic export's mask lookup
      return true;
    default:
      return code == static_cast<int>(TfliteOp::kMinimum);  // the classic export's sliding mask
  }
}

constexpr std::string_view kRmsNorm = "odml.rms_norm";
constexpr std::string_view kSdpa = "odml.scaled_dot_product_attention";

// A float attribute of a STABLEHLO_COMPOSITE (FlexBuffer map), or nullopt.
std::optional<float> CompositeFloat(const tflite::StableHLOCompositeOptions& o, const char* key) {
  const auto* attrs = o.composite_attributes();
  if (attrs == nullptr || !flexbuffers::VerifyBuffer(attrs->data(), attrs->size())) return std::nullopt;
  auto value = flexbuffers::GetRoot(attrs->data(), attrs->size()).AsMap()[key];
  if (!value.IsFloat()) return std::nullopt;
  return static_cast<float>(value.AsDouble());
}

struct Fc {
  int op = -1;
  int input = -1, output = -1, weight = -1;
};

struct Norm {
  int op = -1;
  int input = -1, output = -1, weight = -1;
  float epsilon = 0;
};

struct Layer {
  int k = -1, v = -1, q = -1, qkv = -1, o = -1, gate = -1, up = -1, down = -1;  // indices into fcs
  int dus_k = -1, dus_v = -1, qk_bmm = -1;                                        // op indices
  bool sliding = false;
  std::vector<float> inv_freq;
};

class Importer {
 public:
  Importer(const TfliteModel& model, const tflite::SubGraph& sg) : g_(model, sg, std::string(kDecode)) {}
  StatusOr<std::unique_ptr<TfliteImport>> Run(std::optional<Arch> arch_hint);

 private:
  Status Error(const std::string& what) const {
    return InvalidArgumentError(g_.model().origin() + ": " + what);
  }
  Status CheckOps();
  Status FindCaches();
  void PeelSoftCap();
  Status CollectOps();
  Status ClassifyAttention();
  Status ClassifyMlp();
  Status FindAttentionDetails(int layer);
  Status FindCompositeAttention(int layer);
  int WindowOfSelect(int select) const;
  bool IsSdpa(int op) const { return std::find(sdpa_.begin(), sdpa_.end(), op) != sdpa_.end(); }
  StatusOr<std::vector<float>> RopeOf(int layer);
  StatusOr<int> NormFeeding(int tensor, const std::string& what) const;
  int NormReading(int tensor) const;
  int NormOnPathTo(int tensor) const;
  int QkNorm(size_t layer, bool key) const;
  Status AddWeight(const std::string& name, int tensor, int64_t row_begin = 0, int64_t rows = -1);
  Status AddInt4Weight(const std::string& name, int tensor, int64_t row_begin, int64_t rows);
  StatusOr<std::vector<float>> Int4Scales(const std::string& name, int tensor, int64_t rows, int64_t cols,
                                          int64_t* block) const;
  Status AddNorm(const std::string& name, int norm_index);
  Status BuildConfig(std::optional<Arch> arch_hint);
  Status MapWeights();
  std::vector<std::pair<int, bool>> ReachedCaches(int tensor) const;

  TfliteGraph g_;
  std::vector<int> kv_k_, kv_v_;  // tensor indices of the cache inputs
  std::vector<Fc> fcs_;
  std::vector<Norm> norms_;
  std::vector<int> sdpa_;  // odml.scaled_dot_product_attention composites (classic export)
  std::vector<Layer> layers_;
  int embedding_ = -1;  // table tensor
  int embedding_out_ = -1;
  int lm_head_ = -1;    // index into fcs_
  int logits_ = -1;
  std::optional<double> final_softcap_;
  int head_dim_ = 0, num_kv_heads_ = 0, kv_len_ = 0;
  double attention_scale_ = 0;
  int sliding_window_ = 0;
  Activation activation_ = Activation::kSilu;
  std::unique_ptr<TfliteImport> out_ = std::make_unique<TfliteImport>();
};

Status Importer::CheckOps() {
  for (int op = 0; op < g_.NumOps(); ++op) {
    if (!KnownOp(g_.Code(op))) return Error("unsupported operator in " + g_.Where(op));
  }
  return Status::Ok();
}

Status Importer::FindCaches() {
  for (int i = 0;; ++i) {
    auto k = g_.model().SignatureTensor(kDecode, "kv_cache_k_" + std::to_string(i), true);
    auto v = g_.model().SignatureTensor(kDecode, "kv_cache_v_" + std::to_string(i), true);
    if (!k || !v) break;
    kv_k_.push_back(*k);
    kv_v_.push_back(*v);
  }
  if (kv_k_.empty()) return Error("signature 'decode' has no input kv_cache_k_0 / kv_cache_v_0");
  const std::vector<int64_t> ks = g_.Shape(kv_k_[0]);
  if (ks.size() != 4 || ks[0] != 1) {
    return Error("signature 'decode' input kv_cache_k_0 has shape " + ShapeToString(ks) +
                 " (expected [1, kv_heads, length, head_dim])");
  }
  // export_hf: k [1, KV, len, D], v transposed [1, KV, D, len]; the classic converters (with
  // their odml.scaled_dot_product_attention composite): k and v [1, len, KV, D].
  const bool classic = !sdpa_.empty();
  for (int64_t d : ks) {
    if (d <= 0 || d > (int64_t{1} << 24))
      return Error("signature 'decode' input kv_cache_k_0 has shape " + ShapeToString(ks) + " (a dimension out of range)");
  }
  num_kv_heads_ = static_cast<int>(classic ? ks[2] : ks[1]);
  kv_len_ = static_cast<int>(classic ? ks[1] : ks[2]);
  head_dim_ = static_cast<int>(ks[3]);
  layers_.resize(kv_k_.size());
  for (size_t i = 0; i < kv_k_.size(); ++i) {
    const std::vector<int64_t> vs = g_.Shape(kv_v_[i]);
    const std::vector<int64_t> want_v =
        classic ? ks : std::vector<int64_t>{1, num_kv_heads_, head_dim_, kv_len_};
    if (g_.Shape(kv_k_[i]) != ks || vs != want_v) {
      return Error("signature 'decode' KV cache inputs of layer " + std::to_string(i) +
                   " have shapes " + ShapeToString(g_.Shape(kv_k_[i])) + " / " + ShapeToString(vs) +
                   " (expected " + ShapeToString(ks) + " / " + ShapeToString(want_v) + ")");
    }
    for (int op : g_.Consumers(kv_k_[i])) {
      if (Is(g_, op, TfliteOp::kDynamicUpdateSlice) && g_.In(op, 0) == kv_k_[i]) layers_[i].dus_k = op;
    }
    for (int op : g_.Consumers(kv_v_[i])) {
      if (Is(g_, op, TfliteOp::kDynamicUpdateSlice) && g_.In(op, 0) == kv_v_[i]) layers_[i].dus_v = op;
    }
    if (layers_[i].dus_k < 0 || layers_[i].dus_v < 0) {
      return Error("signature 'decode': no DYNAMIC_UPDATE_SLICE writes kv_cache_k_" + std::to_string(i) +
                   " / kv_cache_v_" + std::to_string(i));
    }
  }
  auto logits = g_.model().SignatureTensor(kDecode, "logits", false);
  if (!logits) return Error("signature 'decode' has no output 'logits'");
  logits_ = *logits;
  PeelSoftCap();
  return Status::Ok();
}

// A final logit soft-cap, logits = MUL(TANH(DIV(head, cap)), cap) (what tflite_llm_writer.h writes
// for config.json's final_logit_softcapping): records cap and moves logits_ to the head's output.
void Importer::PeelSoftCap() {
  const int mul = g_.Producer(logits_);
  if (!Is(g_, mul, TfliteOp::kMul)) return;
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> cap = g_.ConstFloats(g_.In(mul, 1 - i));
    const int tanh = g_.Producer(g_.In(mul, i));
    if (cap.size() != 1 || !(cap[0] > 0) || !Is(g_, tanh, TfliteOp::kTanh)) continue;
    const int div = g_.Producer(g_.In(tanh, 0));
    if (!Is(g_, div, TfliteOp::kDiv) || g_.ConstFloats(g_.In(div, 1)) != cap) continue;
    final_softcap_ = cap[0];
    logits_ = g_.In(div, 0);
    return;
  }
}

Status Importer::CollectOps() {
  for (int op = 0; op < g_.NumOps(); ++op) {
    if (Is(g_, op, TfliteOp::kEmbeddingLookup)) {
      if (embedding_ >= 0) return Error("more than one EMBEDDING_LOOKUP in signature 'decode' (" + g_.Where(op) + ")");
      embedding_ = g_.In(op, 1);
      embedding_out_ = g_.Out(op, 0);
      if (!g_.IsConst(embedding_) || g_.Shape(embedding_).size() != 2)
        return Error(g_.Where(op) + ": the table is not a constant matrix");
    } else if (Is(g_, op, TfliteOp::kFullyConnected)) {
      Fc fc{op, g_.In(op, 0), g_.Out(op, 0), g_.In(op, 1)};
      if (!g_.IsConst(fc.weight) || g_.Shape(fc.weight).size() != 2)
        return Error(g_.Where(op) + ": the weight " + g_.TensorName(fc.weight) + " is not a constant matrix");
      if (g_.In(op, 2) >= 0) return Error(g_.Where(op) + " has a bias (not supported)");
      const auto* o = g_.Op(op).builtin_options_as_FullyConnectedOptions();
      if (o != nullptr && (o->fused_activation_function() != 0 || o->weights_format() != 0))
        return Error(g_.Where(op) + " has a fused activation or a shuffled weights format (not supported)");
      fcs_.push_back(fc);
    } else if (Is(g_, op, TfliteOp::kStablehloComposite)) {
      const auto* o = g_.Op(op).builtin_options_2_as_StableHLOCompositeOptions();
      const std::string name = o != nullptr && o->name() != nullptr ? o->name()->str() : "";
      if (name == kSdpa) {
        sdpa_.push_back(op);
        continue;
      }
      if (name != kRmsNorm) return Error("unsupported composite '" + name + "' in " + g_.Where(op));
      Norm n{op, g_.In(op, 0), g_.Out(op, 0), g_.In(op, 1), 0};
      if (!g_.IsConst(n.weight) || g_.Shape(n.weight).size() != 1)
        return Error(g_.Where(op) + ": odml.rms_norm has no constant weight vector");
      std::optional<float> eps = CompositeFloat(*o, "epsilon");
      if (!eps) return Error(g_.Where(op) + ": odml.rms_norm has no 'epsilon' attribute");
      n.epsilon = *eps;
      norms_.push_back(n);
    }
  }
  if (embedding_ < 0) return Error("signature 'decode' has no EMBEDDING_LOOKUP");
  return Status::Ok();
}

// The (layer, is_value) caches whose DYNAMIC_UPDATE_SLICE `tensor` reaches as the update,
// following consumers but not through projections or attention.
std::vector<std::pair<int, bool>> Importer::ReachedCaches(int tensor) const {
  std::vector<std::pair<int, bool>> found;
  std::vector<int> stack = {tensor};
  std::set<int> seen;
  while (!stack.empty()) {
    const int t = stack.back();
    stack.pop_back();
    if (!seen.insert(t).second) continue;
    for (int op : g_.Consumers(t)) {
      if (Is(g_, op, TfliteOp::kFullyConnected) || Is(g_, op, TfliteOp::kBatchMatmul) || IsSdpa(op)) continue;
      if (Is(g_, op, TfliteOp::kDynamicUpdateSlice)) {
        if (g_.In(op, 1) != t) continue;
        for (size_t l = 0; l < layers_.size(); ++l) {
          if (layers_[l].dus_k == op) found.emplace_back(static_cast<int>(l), false);
          if (layers_[l].dus_v == op) found.emplace_back(static_cast<int>(l), true);
        }
        continue;
      }
      for (int i = 0; g_.Out(op, i) >= 0; ++i) stack.push_back(g_.Out(op, i));
    }
  }
  std::sort(found.begin(), found.end());
  found.erase(std::unique(found.begin(), found.end()), found.end());
  return found;
}

Status Importer::ClassifyAttention() {
  for (size_t f = 0; f < fcs_.size(); ++f) {
    if (g_.Tensor(fcs_[f].weight)->buffer() == g_.Tensor(embedding_)->buffer() ||
        g_.BackThrough(logits_) == fcs_[f].output) {
      lm_head_ = static_cast<int>(f);
      continue;
    }
    const auto reached = ReachedCaches(fcs_[f].output);
    if (reached.empty()) continue;
    const int l = reached[0].first;
    Layer& layer = layers_[l];
    int* slot = nullptr;
    if (reached.size() == 2 && reached[1].first == l && !reached[0].second && reached[1].second) {
      slot = &layer.qkv;
    } else if (reached.size() == 1) {
      slot = reached[0].second ? &layer.v : &layer.k;
    } else {
      return Error(g_.Where(fcs_[f].op) + " feeds the KV caches of several layers");
    }
    if (*slot >= 0) return Error(g_.Where(fcs_[f].op) + ": layer " + std::to_string(l) + " has two such projections");
    *slot = static_cast<int>(f);
  }
  if (lm_head_ < 0) return Error("signature 'decode': no FULLY_CONNECTED produces 'logits'");
  if (g_.BackThrough(logits_) != fcs_[lm_head_].output) {
    const int op = g_.Producer(g_.BackThrough(logits_));
    return Error("signature 'decode': 'logits' is not the LM head's output (" +
                 (op >= 0 ? g_.Where(op) : std::string("no producer")) + " is in between; not supported)");
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    Layer& layer = layers_[l];
    const std::string name = "layer " + std::to_string(l);
    if (layer.qkv < 0 && (layer.k < 0 || layer.v < 0))
      return Error("signature 'decode': no k/v projection found for " + name);
    if (layer.qkv < 0) {
      for (size_t f = 0; f < fcs_.size(); ++f) {
        if (static_cast<int>(f) != layer.k && static_cast<int>(f) != layer.v &&
            static_cast<int>(f) != lm_head_ && fcs_[f].input == fcs_[layer.k].input) {
          if (layer.q >= 0) return Error("signature 'decode': two q projection candidates in " + name);
          layer.q = static_cast<int>(f);
        }
      }
      if (layer.q < 0) return Error("signature 'decode': no q projection found for " + name);
    }
    // o_proj: fed by the BATCH_MATMUL over this layer's updated value cache.
    const int v_cache = g_.Out(layer.dus_v, 0);
    for (int bmm : g_.Consumers(v_cache)) {
      if (!Is(g_, bmm, TfliteOp::kBatchMatmul) && !IsSdpa(bmm)) continue;
      for (size_t f = 0; f < fcs_.size(); ++f) {
        if (g_.BackThrough(fcs_[f].input) == g_.Out(bmm, 0)) layer.o = static_cast<int>(f);
      }
    }
    if (layer.o < 0) return Error("signature 'decode': no o projection found for " + name);
  }
  return Status::Ok();
}

Status Importer::ClassifyMlp() {
  std::set<int> used = {lm_head_};
  for (const Layer& l : layers_) {
    for (int f : {l.q, l.k, l.v, l.qkv, l.o}) used.insert(f);
  }
  for (size_t f = 0; f < fcs_.size(); ++f) {
    if (used.count(static_cast<int>(f))) continue;
    int layer = -1;  // the last o_proj before this op
    for (size_t l = 0; l < layers_.size(); ++l) {
      if (fcs_[layers_[l].o].op < fcs_[f].op) layer = static_cast<int>(l);
    }
    if (layer < 0) return Error(g_.Where(fcs_[f].op) + " is not part of any layer");
    Layer& L = layers_[layer];
    const int out = fcs_[f].output;
    const int gelu = g_.ConsumerWithCode(out, TfliteOp::kGelu);
    const int logistic = g_.ConsumerWithCode(out, TfliteOp::kLogistic);
    int* slot = &L.down;
    if (gelu >= 0 || logistic >= 0) {
      slot = &L.gate;
      if (gelu >= 0) {
        const auto* o = g_.Op(gelu).builtin_options_as_GeluOptions();
        activation_ = o != nullptr && o->approximate() ? Activation::kGeluTanh : Activation::kGeluExact;
      } else {
        activation_ = Activation::kSilu;
      }
    }
    if (*slot >= 0) {
      if (slot == &L.down && L.up < 0) {
        slot = &L.up;
      } else {
        return Error(g_.Where(fcs_[f].op) + ": layer " + std::to_string(layer) + " has too many MLP projections");
      }
    }
    *slot = static_cast<int>(f);
  }
  for (size_t l = 0; l < layers_.size(); ++l) {
    Layer& L = layers_[l];
    if (L.gate < 0 || L.up < 0 || L.down < 0)
      return Error("signature 'decode': layer " + std::to_string(l) + " lacks a gate, up or down projection");
    // Fixed up by data flow: up shares gate's input; down is the other one.
    if (fcs_[L.up].input != fcs_[L.gate].input) std::swap(L.up, L.down);
    if (fcs_[L.up].input != fcs_[L.gate].input)
      return Error("signature 'decode': layer " + std::to_string(l) + ": no up projection shares gate's input");
  }
  return Status::Ok();
}

StatusOr<std::vector<float>> Importer::RopeOf(int layer) {
  // From the key path: a MUL by a tensor produced by COS(CONCATENATION(MUL(pos, inv_freq), ...)).
  const Layer& L = layers_[layer];
  int t = g_.In(L.dus_k, 1);
  for (int guard = 0; guard < 16 && t >= 0; ++guard) {
    const int op = g_.Producer(t);
    if (op < 0) break;
    for (int i = 0; i < g_.NumIn(op); ++i) {
      const int cos = g_.Producer(g_.In(op, i));
      if (!Is(g_, cos, TfliteOp::kCos)) continue;
      int angle = g_.Producer(g_.In(cos, 0));
      if (Is(g_, angle, TfliteOp::kConcatenation)) angle = g_.Producer(g_.In(angle, 0));
      if (!Is(g_, angle, TfliteOp::kMul)) break;
      for (int j = 0; j < 2; ++j) {
        std::vector<float> f = g_.ConstFloats(g_.In(angle, j));
        if (!f.empty()) return f;
      }
    }
    // Walk back along the first non-constant input (ADD of the two rotary halves, MUL, reshape).
    int next = -1;
    for (int i = 0; i < g_.NumIn(op) && next < 0; ++i) {
      const int in = g_.In(op, i);
      if (in >= 0 && !g_.IsConst(in) && !Is(g_, g_.Producer(in), TfliteOp::kSin)) next = in;
    }
    t = next;
  }
  return Error("signature 'decode': no RoPE frequencies (MUL feeding COS) found on layer " +
               std::to_string(layer) + "'s key path");
}

Status Importer::FindAttentionDetails(int layer) {
  Layer& L = layers_[layer];
  const std::string name = "layer " + std::to_string(layer);
  const int k_cache = g_.Out(L.dus_k, 0);
  int qk = -1;
  for (int op : g_.Consumers(k_cache)) {
    if (Is(g_, op, TfliteOp::kBatchMatmul)) qk = op;
  }
  if (qk < 0) return Error("signature 'decode': no BATCH_MATMUL reads " + name + "'s key cache");
  L.qk_bmm = qk;
  // Query scale: a MUL by a scalar constant on the query path.
  std::optional<double> scale;
  const int q_path = g_.Producer(g_.BackThrough(g_.In(qk, 0)));
  if (Is(g_, q_path, TfliteOp::kMul)) {
    for (int i = 0; i < 2; ++i) {
      std::vector<float> c = g_.ConstFloats(g_.In(q_path, i));
      if (c.size() == 1) scale = c[0];
    }
  }
  if (!scale) return Error("signature 'decode': no query scale (MUL by a constant before " + g_.Where(qk) + ")");
  if (attention_scale_ != 0 && attention_scale_ != *scale)
    return Error("signature 'decode': layers use different query scales (" + name + ")");
  attention_scale_ = *scale;
  // Mask: ADD(scores, mask) where mask is the signature's `mask` (full attention) or
  // ADD(SELECT_V2(window test), mask) (sliding window).
  int add = -1;
  for (int op : g_.Consumers(g_.Out(qk, 0))) add = Is(g_, op, TfliteOp::kAdd) ? op : add;
  if (add < 0) {
    const auto& c = g_.Consumers(g_.Out(qk, 0));
    return Error("signature 'decode': " + name + "'s attention scores go to " +
                 (c.empty() ? std::string("nothing") : g_.Where(c[0])) + " (expected the mask ADD; not supported)");
  }
  auto mask_input = g_.model().SignatureTensor(kDecode, "mask", true);
  if (!mask_input) return Error("signature 'decode' has no input 'mask'");
  const int mask = g_.BackThrough(g_.In(add, 0) == g_.Out(qk, 0) ? g_.In(add, 1) : g_.In(add, 0));
  if (mask == *mask_input) return Status::Ok();
  const int mask_add = g_.Producer(mask);
  int select = -1;
  if (Is(g_, mask_add, TfliteOp::kAdd)) {
    for (int i = 0; i < 2; ++i) {
      if (Is(g_, g_.Producer(g_.In(mask_add, i)), TfliteOp::kSelectV2)) select = g_.Producer(g_.In(mask_add, i));
    }
  }
  const int window = WindowOfSelect(select);
  if (window <= 0) {
    return Error("signature 'decode': " + name + "'s attention mask is neither the 'mask' input nor a "
                 "recognised sliding window (" + (mask_add >= 0 ? g_.Where(mask_add) : g_.TensorName(mask)) + ")");
  }
  if (sliding_window_ != 0 && sliding_window_ != window)
    return Error("signature 'decode': layers use different sliding windows (" + name + ")");
  sliding_window_ = window;
  L.sliding = true;
  return Status::Ok();
}

// SELECT_V2(GREATER(key position, SUB(position, W)) AND LESS(...), 0, -big): the sliding window
// W of both exports; 0 when `select` is not that pattern.
int Importer::WindowOfSelect(int select) const {
  if (!Is(g_, select, TfliteOp::kSelectV2)) return 0;
  const int both = g_.Producer(g_.In(select, 0));
  if (!Is(g_, both, TfliteOp::kLogicalAnd)) return 0;
  for (int i = 0; i < 2; ++i) {
    const int cmp = g_.Producer(g_.In(both, i));
    if (!Is(g_, cmp, TfliteOp::kGreater)) continue;
    const int sub = g_.Producer(g_.BackThrough(g_.In(cmp, 1)));
    if (!Is(g_, sub, TfliteOp::kSub)) continue;
    std::vector<int32_t> w = g_.ConstInts(g_.In(sub, 1));
    if (w.size() == 1) return w[0];
  }
  return 0;
}

// Classic export: attention is one odml.scaled_dot_product_attention composite (q, k cache,
// v cache, mask) with a `scale` attribute; the mask is a row of a constant [len, 1, 1, len] mask
// table picked by input_pos (GATHER_ND), from which the sliding window is read: row p allows
// keys j in (p − W, p] (W = len: full attention).
Status Importer::FindCompositeAttention(int layer) {
  Layer& L = layers_[layer];
  const std::string name = "layer " + std::to_string(layer);
  const int k_cache = g_.Out(L.dus_k, 0);
  for (int op : g_.Consumers(k_cache)) {
    if (IsSdpa(op) && g_.In(op, 1) == k_cache) L.qk_bmm = op;
  }
  if (L.qk_bmm < 0) return Error("signature 'decode': no odml.scaled_dot_product_attention reads " + name + "'s key cache");
  const int op = L.qk_bmm;
  if (g_.In(op, 2) != g_.Out(L.dus_v, 0))
    return Error(g_.Where(op) + ": its value input is not " + name + "'s value cache");
  std::optional<float> scale = CompositeFloat(*g_.Op(op).builtin_options_2_as_StableHLOCompositeOptions(), "scale");
  if (!scale) return Error(g_.Where(op) + ": odml.scaled_dot_product_attention has no 'scale' attribute");
  if (attention_scale_ != 0 && attention_scale_ != *scale)
    return Error("signature 'decode': layers use different query scales (" + name + ")");
  attention_scale_ = *scale;
  // mask = SELECT_V2(position in range, GATHER_ND(table, position), nan); sliding layers (Gemma):
  // MINIMUM(that, SELECT_V2(window test, 0, -inf)).
  int table = -1;
  int select = g_.Producer(g_.In(op, 3));
  int graph_window = 0;
  if (Is(g_, select, TfliteOp::kMinimum)) {
    const int a = g_.Producer(g_.BackThrough(g_.In(select, 0)));
    const int b = g_.Producer(g_.BackThrough(g_.In(select, 1)));
    graph_window = std::max(WindowOfSelect(a), WindowOfSelect(b));
    select = WindowOfSelect(a) > 0 ? b : a;
    if (graph_window <= 0) return Error(g_.Where(op) + ": its mask's MINIMUM holds no recognised sliding window");
  }
  if (Is(g_, select, TfliteOp::kSelectV2)) {
    const int gather = g_.Producer(g_.In(select, 1));
    if (Is(g_, gather, TfliteOp::kGatherNd) && g_.IsConst(g_.In(gather, 0))) table = g_.In(gather, 0);
  }
  const std::vector<float> mask = g_.ConstFloats(table);
  const size_t len = static_cast<size_t>(kv_len_);
  if (mask.size() != len * len)
    return Error(g_.Where(op) + ": its mask is not a row of a constant [" + std::to_string(len) + ", 1, 1, " +
                 std::to_string(len) + "] mask table (not supported)");
  const size_t window = static_cast<size_t>(std::count(mask.end() - static_cast<std::ptrdiff_t>(len), mask.end(), 0.0f));
  for (size_t p = 0; p < len; ++p) {
    const size_t allowed = std::min(p + 1, window);
    for (size_t j = 0; j < len; ++j) {
      const bool want = j <= p && j + allowed > p;
      const float v = mask[p * len + j];
      if (want != (v == 0.0f) || (!want && !(v < -1e4f)))
        return Error(g_.Where(op) + ": mask table row " + std::to_string(p) + " is not a causal (sliding) mask");
    }
  }
  if (graph_window > 0 && window < len) return Error(g_.Where(op) + ": a sliding window over a sliding mask table");
  if (graph_window > 0 || window < len) {
    const size_t w = graph_window > 0 ? static_cast<size_t>(graph_window) : window;
    if (sliding_window_ != 0 && sliding_window_ != static_cast<int>(w))
      return Error("signature 'decode': layers use different sliding windows (" + name + ")");
    sliding_window_ = static_cast<int>(w);
    L.sliding = true;
  }
  return Status::Ok();
}

StatusOr<int> Importer::NormFeeding(int tensor, const std::string& what) const {
  const int t = g_.BackThrough(tensor);
  for (size_t n = 0; n < norms_.size(); ++n) {
    if (norms_[n].output == t) return static_cast<int>(n);
  }
  const int op = g_.Producer(t);
  return Error("signature 'decode': the input of " + what + " is not an odml.rms_norm output (" +
               (op >= 0 ? g_.Where(op) : g_.TensorName(t)) + ")");
}

int Importer::NormReading(int tensor) const {
  for (size_t n = 0; n < norms_.size(); ++n) {
    if (g_.BackThrough(norms_[n].input) == tensor) return static_cast<int>(n);
  }
  return -1;
}

Status Importer::AddWeight(const std::string& name, int tensor, int64_t row_begin, int64_t rows) {
  const tflite::Tensor* t = g_.Tensor(tensor);
  if (t->type() == tflite::TensorType_INT4) return AddInt4Weight(name, tensor, row_begin, rows);
  std::vector<int64_t> shape = g_.Shape(tensor);
  std::span<const uint8_t> bytes = g_.ConstBytes(tensor);
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d > 0 && d <= (int64_t{1} << 31)) n *= d;
    if (d <= 0 || d > (int64_t{1} << 31) || n > static_cast<int64_t>(bytes.size()))
      return Error(g_.TensorName(tensor) + " (" + name + ") has shape " + ShapeToString(shape) +
                   ", which its " + std::to_string(bytes.size()) + " bytes cannot hold");
  }
  const int64_t total_rows = shape.empty() ? 1 : shape[0];
  if (rows < 0) rows = total_rows;
  const int64_t row_elems = total_rows > 0 ? n / total_rows : 0;
  TensorView view;
  size_t elem = 0;
  switch (t->type()) {
    case tflite::TensorType_FLOAT32: view.dtype = DType::kF32; elem = 4; break;
    case tflite::TensorType_FLOAT16: view.dtype = DType::kF16; elem = 2; break;
    case tflite::TensorType_INT8: view.dtype = DType::kI8; elem = 1; break;
    default:
      return Error(g_.TensorName(tensor) + " (" + name + ") has TFLite type " +
                   std::to_string(static_cast<int>(t->type())) + " (supported: FLOAT32, FLOAT16, INT8, INT4)");
  }
  if (bytes.size() != static_cast<size_t>(n) * elem)
    return Error(g_.TensorName(tensor) + " (" + name + ") holds " + std::to_string(bytes.size()) +
                 " bytes, its shape " + ShapeToString(shape) + " needs " + std::to_string(n * elem));
  view.data = bytes.subspan(static_cast<size_t>(row_begin * row_elems) * elem,
                            static_cast<size_t>(rows * row_elems) * elem);
  view.shape = shape;
  if (!view.shape.empty()) view.shape[0] = rows;
  if (view.dtype == DType::kI8) {
    const tflite::QuantizationParameters* q = t->quantization();
    if (q != nullptr && q->details_type() != tflite::QuantizationDetails_NONE)
      return Error(g_.TensorName(tensor) + " (" + name + ") is INT8 with quantization details of type " +
                   std::to_string(static_cast<int>(q->details_type())) + " (supported: per-channel scales)");
    const auto* scale = q != nullptr ? q->scale() : nullptr;
    if (scale == nullptr || scale->size() == 0)
      return Error(g_.TensorName(tensor) + " (" + name + ") is INT8 without scales");
    if (q->zero_point() != nullptr) {
      for (int64_t z : *q->zero_point()) {
        if (z != 0) return Error(g_.TensorName(tensor) + " (" + name + ") has a non-zero zero point (asymmetric weights are not supported)");
      }
    }
    if (scale->size() == static_cast<size_t>(total_rows) && q->quantized_dimension() == 0) {
      view.scales = std::span<const float>(scale->data() + row_begin, static_cast<size_t>(rows));
    } else if (scale->size() == 1) {
      auto buf = std::make_unique<float[]>(static_cast<size_t>(rows));
      std::fill(buf.get(), buf.get() + rows, scale->Get(0));
      view.scales = std::span<const float>(buf.get(), static_cast<size_t>(rows));
      out_->owned.push_back(std::move(buf));
    } else {
      return Error(g_.TensorName(tensor) + " (" + name + ") has " + std::to_string(scale->size()) +
                   " scales along dimension " + std::to_string(q->quantized_dimension()) +
                   " (expected one per output row)");
    }
    out_->int8_weights = true;
    if (out_->quantization.empty() || out_->quantization.starts_with("fp")) out_->quantization = "int8";
  } else if (out_->quantization.empty() && shape.size() == 2) {
    out_->quantization = view.dtype == DType::kF16 ? "fp16" : "fp32";
  }
  out_->tensors[name] = std::move(view);
  return Status::Ok();
}

// The fp32 scales of an INT4 weight [rows, cols] as [rows, cols / *block] (row-major), from
// either encoding ai_edge_quantizer writes: BlockwiseQuantization (block size + a FLOAT16 /
// FLOAT32 constant scale tensor [rows, cols / block], no zero points) or per-channel scales
// (quantized_dimension 0, zero points 0; then *block = cols).
StatusOr<std::vector<float>> Importer::Int4Scales(const std::string& name, int tensor, int64_t rows, int64_t cols,
                                                  int64_t* block) const {
  const std::string what = g_.TensorName(tensor) + " (" + name + ")";
  const tflite::QuantizationParameters* q = g_.Tensor(tensor)->quantization();
  if (q == nullptr) return Error(what + " is INT4 without quantization parameters");
  if (q->details_type() == tflite::QuantizationDetails_BlockwiseQuantization) {
    const tflite::BlockwiseQuantization* b = q->details_as_BlockwiseQuantization();
    if (b == nullptr) return Error(what + ": INT4 blockwise quantization without its table");
    if (b->zero_points() >= 0) {
      const std::span<const uint8_t> zp = g_.ConstBytes(b->zero_points());
      if (std::any_of(zp.begin(), zp.end(), [](uint8_t v) { return v != 0; }))
        return Error(what + ": INT4 blockwise quantization with non-zero zero points (not supported)");
    }
    const int64_t bs = b->block_size();
    if (bs <= 0 || cols % bs != 0)
      return Error(what + ": INT4 block size " + std::to_string(bs) + " does not divide its " +
                   std::to_string(cols) + " columns");
    const int st = b->scales();
    const tflite::Tensor* scale_tensor = g_.Tensor(st);
    const std::vector<int64_t> want{rows, cols / bs};
    if (scale_tensor == nullptr || !g_.IsConst(st) || g_.Shape(st) != want)
      return Error(what + ": INT4 block scales tensor " + std::to_string(st) + " is not a constant of shape " +
                   ShapeToString(want));
    const std::span<const uint8_t> bytes = g_.ConstBytes(st);
    const size_t count = static_cast<size_t>(rows * (cols / bs));
    std::vector<float> scales(count);
    if (scale_tensor->type() == tflite::TensorType_FLOAT32 && bytes.size() == count * 4) {
      std::memcpy(scales.data(), bytes.data(), count * 4);
    } else if (scale_tensor->type() == tflite::TensorType_FLOAT16 && bytes.size() == count * 2) {
      for (size_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + 2 * i, 2);
        scales[i] = F16ToF32(h);
      }
    } else {
      return Error(what + ": INT4 block scales " + g_.TensorName(st) + " are not FLOAT16 / FLOAT32 of " +
                   std::to_string(count) + " values");
    }
    *block = bs;
    return scales;
  }
  if (q->details_type() != tflite::QuantizationDetails_NONE)
    return Error(what + " is INT4 with quantization details of type " +
                 std::to_string(static_cast<int>(q->details_type())) + " (supported: blockwise, per-channel)");
  const auto* scale = q->scale();
  if (scale == nullptr || scale->size() != static_cast<size_t>(rows) || q->quantized_dimension() != 0)
    return Error(what + " is INT4 with " + std::to_string(scale == nullptr ? 0 : scale->size()) +
                 " scales along dimension " + std::to_string(q->quantized_dimension()) +
                 " (supported: blockwise, or one per output row)");
  if (q->zero_point() != nullptr) {
    for (int64_t z : *q->zero_point()) {
      if (z != 0) return Error(what + " has a non-zero zero point (asymmetric weights are not supported)");
    }
  }
  *block = cols;
  return std::vector<float>(scale->begin(), scale->end());
}

// INT4 weights (TFLite: two's-complement nibbles, element 2i in the low nibble of byte i, row-major)
// are re-laid out exactly into our kI4Block32 / kI4Block128 rows (kernels/quantize.h: per 128
// columns, byte i holds column i low and column 64 + i high, as q + 8). A source block of B
// columns becomes B / 128 (or B / 32) of our blocks with the same scale, so every weight keeps its
// value q · s bit for bit; a block size that is not a multiple of 32, or rows whose length is not a
// multiple of 128, are refused naming the tensor.
Status Importer::AddInt4Weight(const std::string& name, int tensor, int64_t row_begin, int64_t rows) {
  const std::string what = g_.TensorName(tensor) + " (" + name + ")";
  const std::vector<int64_t> shape = g_.Shape(tensor);
  if (shape.size() != 2) return Error(what + " is INT4 of shape " + ShapeToString(shape) + " (expected a matrix)");
  const int64_t total_rows = shape[0], cols = shape[1];
  if (rows < 0) rows = total_rows;
  constexpr int64_t kMaxDim = int64_t{1} << 24;
  if (total_rows <= 0 || cols <= 0 || total_rows > kMaxDim || cols > kMaxDim || row_begin < 0 || rows <= 0 ||
      row_begin + rows > total_rows)
    return Error(what + " is INT4 of shape " + ShapeToString(shape) + ", rows " + std::to_string(row_begin) + ".." +
                 std::to_string(row_begin + rows) + " of it were asked for");
  const std::span<const uint8_t> bytes = g_.ConstBytes(tensor);
  if (static_cast<int64_t>(bytes.size()) != (total_rows * cols + 1) / 2)
    return Error(what + " holds " + std::to_string(bytes.size()) + " bytes, its INT4 shape " +
                 ShapeToString(shape) + " needs " + std::to_string((total_rows * cols + 1) / 2));
  int64_t src_block = 0;
  ASSIGN_OR_RETURN(std::vector<float> src_scales, Int4Scales(name, tensor, total_rows, cols, &src_block));
  DType dtype;
  int64_t block;
  if (src_block % 128 == 0) {
    dtype = DType::kI4Block128;
    block = 128;
  } else if (src_block % 32 == 0) {
    dtype = DType::kI4Block32;
    block = 32;
  } else {
    return Error(what + " has INT4 block size " + std::to_string(src_block) +
                 " (supported: multiples of 32)");
  }
  if (cols % 128 != 0)
    return Error(what + " is INT4 with " + std::to_string(cols) +
                 " columns (supported: a multiple of 128, the int4 kernels' group)");
  const int64_t row_bytes = cols / 2, blocks = cols / block, src_blocks = cols / src_block;
  auto data = std::make_unique<uint8_t[]>(static_cast<size_t>(rows * row_bytes));
  auto scales = std::make_unique<float[]>(static_cast<size_t>(rows * blocks));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t src_row = row_begin + r;
    uint8_t* dst = data.get() + r * row_bytes;
    for (int64_t k = 0; k < cols; ++k) {
      const int64_t e = src_row * cols + k;
      const uint8_t nib = static_cast<uint8_t>((bytes[static_cast<size_t>(e / 2)] >> (4 * (e % 2))) & 0xF);
      const int value = nib >= 8 ? nib - 16 : nib;
      const uint8_t stored = static_cast<uint8_t>(value + 8);
      const int64_t group = k / 128, i = k % 128;
      uint8_t& b = dst[group * 64 + (i % 64)];
      b = i < 64 ? static_cast<uint8_t>((b & 0xF0) | stored) : static_cast<uint8_t>((b & 0x0F) | (stored << 4));
    }
    for (int64_t b = 0; b < blocks; ++b)
      scales[static_cast<size_t>(r * blocks + b)] =
          src_scales[static_cast<size_t>(src_row * src_blocks + b * block / src_block)];
  }
  TensorView view;
  view.dtype = dtype;
  view.shape = {rows, cols};
  view.data = std::span<const uint8_t>(data.get(), static_cast<size_t>(rows * row_bytes));
  view.scales = std::span<const float>(scales.get(), static_cast<size_t>(rows * blocks));
  out_->owned_bytes.push_back(std::move(data));
  out_->owned.push_back(std::move(scales));
  out_->int4_weights = true;
  const std::string q = "int4_block" + std::to_string(src_block == cols ? 0 : src_block);
  if (out_->quantization.empty() || !out_->quantization.starts_with("int4")) out_->quantization = q;
  out_->tensors[name] = std::move(view);
  return Status::Ok();
}

Status Importer::AddNorm(const std::string& name, int norm_index) {
  if (norm_index < 0) return Error("signature 'decode': no odml.rms_norm found for " + name);
  return AddWeight(name, norms_[norm_index].weight);
}

Status Importer::MapWeights() {
  const ModelConfig& c = out_->config;
  RETURN_IF_ERROR(AddWeight("model.embed_tokens.weight", embedding_));
  if (!c.tie_word_embeddings) RETURN_IF_ERROR(AddWeight("lm_head.weight", fcs_[lm_head_].weight));
  ASSIGN_OR_RETURN(int final_norm, NormFeeding(fcs_[lm_head_].input, "the LM head"));
  RETURN_IF_ERROR(AddNorm("model.norm.weight", final_norm));
  const int64_t q_rows = static_cast<int64_t>(c.num_heads) * c.head_dim;
  const int64_t kv_rows = static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& L = layers_[l];
    auto name = [&](const char* suffix) { return "model.layers." + std::to_string(l) + "." + suffix; };
    if (L.qkv >= 0) {
      const int w = fcs_[L.qkv].weight;
      RETURN_IF_ERROR(AddWeight(name("self_attn.q_proj.weight"), w, 0, q_rows));
      RETURN_IF_ERROR(AddWeight(name("self_attn.k_proj.weight"), w, q_rows, kv_rows));
      RETURN_IF_ERROR(AddWeight(name("self_attn.v_proj.weight"), w, q_rows + kv_rows, kv_rows));
    } else {
      RETURN_IF_ERROR(AddWeight(name("self_attn.q_proj.weight"), fcs_[L.q].weight));
      RETURN_IF_ERROR(AddWeight(name("self_attn.k_proj.weight"), fcs_[L.k].weight));
      RETURN_IF_ERROR(AddWeight(name("self_attn.v_proj.weight"), fcs_[L.v].weight));
    }
    RETURN_IF_ERROR(AddWeight(name("self_attn.o_proj.weight"), fcs_[L.o].weight));
    RETURN_IF_ERROR(AddWeight(name("mlp.gate_proj.weight"), fcs_[L.gate].weight));
    RETURN_IF_ERROR(AddWeight(name("mlp.up_proj.weight"), fcs_[L.up].weight));
    RETURN_IF_ERROR(AddWeight(name("mlp.down_proj.weight"), fcs_[L.down].weight));
    const int attn_in = fcs_[L.qkv >= 0 ? L.qkv : L.q].input;
    ASSIGN_OR_RETURN(int input_norm, NormFeeding(attn_in, "layer " + std::to_string(l) + "'s attention"));
    RETURN_IF_ERROR(AddNorm(name("input_layernorm.weight"), input_norm));
    ASSIGN_OR_RETURN(int mlp_norm, NormFeeding(fcs_[L.gate].input, "layer " + std::to_string(l) + "'s MLP"));
    if (c.sandwich_norms) {
      RETURN_IF_ERROR(AddNorm(name("pre_feedforward_layernorm.weight"), mlp_norm));
      RETURN_IF_ERROR(AddNorm(name("post_attention_layernorm.weight"), NormReading(fcs_[L.o].output)));
      RETURN_IF_ERROR(AddNorm(name("post_feedforward_layernorm.weight"), NormReading(fcs_[L.down].output)));
    } else {
      RETURN_IF_ERROR(AddNorm(name("post_attention_layernorm.weight"), mlp_norm));
    }
    if (c.qk_norm) {
      RETURN_IF_ERROR(AddNorm(name("self_attn.q_norm.weight"), QkNorm(l, false)));
      RETURN_IF_ERROR(AddNorm(name("self_attn.k_norm.weight"), QkNorm(l, true)));
    }
  }
  return Status::Ok();
}

// The odml.rms_norm nearest upstream of `tensor` on its data path (skipping constants and the
// RoPE cos/sin tables), stopping at a projection; -1 when there is none.
int Importer::NormOnPathTo(int tensor) const {
  int t = tensor;
  for (int guard = 0; guard < 24 && t >= 0; ++guard) {
    const int op = g_.Producer(t);
    if (op < 0 || Is(g_, op, TfliteOp::kFullyConnected)) return -1;
    for (size_t n = 0; n < norms_.size(); ++n) {
      if (norms_[n].op == op) return static_cast<int>(n);
    }
    int next = -1;
    for (int i = 0; i < g_.NumIn(op) && next < 0; ++i) {
      const int in = g_.In(op, i);
      const int p = g_.Producer(in);
      if (in >= 0 && !g_.IsConst(in) && !Is(g_, p, TfliteOp::kCos) && !Is(g_, p, TfliteOp::kSin)) next = in;
    }
    t = next;
  }
  return -1;
}

int Importer::QkNorm(size_t layer, bool key) const {
  const Layer& L = layers_[layer];
  return NormOnPathTo(key ? g_.In(L.dus_k, 1) : g_.In(L.qk_bmm, 0));
}

namespace {

// RoPE inverse frequencies inv[i] = 1 / theta^(2i/d) / factor → (theta, factor), checked by
// recomputing every entry. Real bases are integers: a base within 1e-4 of one is rounded to it.
StatusOr<RopeConfig> RopeFromInvFreq(const std::vector<float>& inv, int head_dim, const std::string& where) {
  const size_t n = inv.size();
  if (n < 2 || static_cast<int>(n) * 2 != head_dim || inv[0] <= 0 || inv[n - 1] <= 0) {
    return InvalidArgumentError(where + ": RoPE frequencies have " + std::to_string(n) +
                                " entries (expected head_dim / 2 = " + std::to_string(head_dim / 2) + ")");
  }
  RopeConfig rope;
  rope.linear_factor = 1.0 / inv[0];
  if (std::fabs(rope.linear_factor - std::round(rope.linear_factor)) < 1e-5)
    rope.linear_factor = std::round(rope.linear_factor);
  const double exponent = 2.0 * static_cast<double>(n - 1) / head_dim;
  double theta = std::pow(static_cast<double>(inv[0]) / inv[n - 1], 1.0 / exponent);
  if (std::fabs(theta - std::round(theta)) < 1e-4 * theta) theta = std::round(theta);
  rope.theta = theta;
  for (size_t i = 0; i < n; ++i) {
    const double want = 1.0 / std::pow(theta, 2.0 * i / head_dim) / rope.linear_factor;
    if (std::fabs(want - inv[i]) > 1e-5 * want) {
      return InvalidArgumentError(where + ": RoPE frequency " + std::to_string(i) + " is " +
                                  std::to_string(inv[i]) + ", not base^(-2i/d)/factor for base " +
                                  std::to_string(theta) + " (not supported)");
    }
  }
  return rope;
}

}  // namespace

Status Importer::BuildConfig(std::optional<Arch> arch_hint) {
  ModelConfig& c = out_->config;
  const std::vector<int64_t> emb = g_.Shape(embedding_);
  c.vocab_size = static_cast<int>(emb[0]);
  c.hidden_size = static_cast<int>(emb[1]);
  c.num_layers = static_cast<int>(layers_.size());
  c.head_dim = head_dim_;
  c.num_kv_heads = num_kv_heads_;
  const Layer& L0 = layers_[0];
  const int64_t q_rows = L0.qkv >= 0 ? g_.Shape(fcs_[L0.qkv].weight)[0] - 2LL * num_kv_heads_ * head_dim_
                                     : g_.Shape(fcs_[L0.q].weight)[0];
  if (head_dim_ <= 0 || q_rows <= 0 || q_rows % head_dim_ != 0)
    return Error("signature 'decode': the q projection's " + std::to_string(q_rows) +
                 " rows are not a multiple of head_dim " + std::to_string(head_dim_));
  c.num_heads = static_cast<int>(q_rows / head_dim_);
  c.intermediate_size = static_cast<int>(g_.Shape(fcs_[L0.gate].weight)[0]);
  c.max_position_embeddings = kv_len_;
  c.activation = activation_;
  c.tie_word_embeddings = g_.Tensor(fcs_[lm_head_].weight)->buffer() == g_.Tensor(embedding_)->buffer();
  c.attention_scale = attention_scale_;
  c.final_logit_softcapping = final_softcap_;
  c.sliding_window = sliding_window_;
  c.norm_weight_plus_one = false;  // the files store Gemma's (1 + w)
  c.qk_norm = QkNorm(0, true) >= 0;
  c.sandwich_norms = NormReading(fcs_[L0.o].output) >= 0;
  float eps = norms_.empty() ? 0.0f : norms_[0].epsilon;
  for (const Norm& n : norms_) {
    if (n.epsilon != eps) return Error("signature 'decode': odml.rms_norm epsilons differ (" + g_.Where(n.op) + ")");
  }
  c.rms_norm_eps = eps;
  c.arch = arch_hint.value_or(c.sandwich_norms ? Arch::kGemma3 : Arch::kQwen3);
  c.architecture = c.arch == Arch::kGemma3 ? "Gemma3ForCausalLM" : "Qwen3ForCausalLM";
  // Gemma's embedding scale: a MUL by sqrt(hidden) right after the lookup.
  const int mul = g_.ConsumerWithCode(embedding_out_, TfliteOp::kMul);
  if (mul >= 0) {
    for (int i = 0; i < 2; ++i) {
      std::vector<float> s = g_.ConstFloats(g_.In(mul, i));
      if (s.size() != 1) continue;
      const float want = std::sqrt(static_cast<float>(c.hidden_size));
      if (std::fabs(s[0] - want) > 1e-6f * want)
        return Error(g_.Where(mul) + ": embedding scale " + std::to_string(s[0]) + " is not sqrt(hidden_size) (not supported)");
      c.scale_embeddings = true;
    }
  }
  bool have_global = false, have_local = false;
  for (size_t l = 0; l < layers_.size(); ++l) {
    c.layer_sliding.push_back(layers_[l].sliding);
    ASSIGN_OR_RETURN(std::vector<float> inv, RopeOf(static_cast<int>(l)));
    ASSIGN_OR_RETURN(RopeConfig rope, RopeFromInvFreq(inv, head_dim_, g_.model().origin() + ": layer " + std::to_string(l)));
    RopeConfig& slot = layers_[l].sliding ? c.rope_local : c.rope_global;
    bool& have = layers_[l].sliding ? have_local : have_global;
    if (have && (slot.theta != rope.theta || slot.linear_factor != rope.linear_factor))
      return Error("signature 'decode': layer " + std::to_string(l) + " uses other RoPE frequencies than the "
                   "earlier layers of its kind (not supported)");
    slot = rope;
    have = true;
  }
  if (!have_global) c.rope_global = c.rope_local;
  if (!have_local) c.rope_local = c.rope_global;
  out_->kv_cache_len = kv_len_;
  return Status::Ok();
}

StatusOr<std::unique_ptr<TfliteImport>> Importer::Run(std::optional<Arch> arch_hint) {
  RETURN_IF_ERROR(CheckOps());
  RETURN_IF_ERROR(CollectOps());
  RETURN_IF_ERROR(FindCaches());
  RETURN_IF_ERROR(ClassifyAttention());
  RETURN_IF_ERROR(ClassifyMlp());
  for (size_t l = 0; l < layers_.size(); ++l) {
    RETURN_IF_ERROR(sdpa_.empty() ? FindAttentionDetails(static_cast<int>(l))
                                  : FindCompositeAttention(static_cast<int>(l)));
  }
  RETURN_IF_ERROR(BuildConfig(arch_hint));
  RETURN_IF_ERROR(MapWeights());
  return std::move(out_);
}

}  // namespace

StatusOr<std::unique_ptr<TfliteImport>> ImportTfliteLlm(const TfliteModel& model, std::optional<Arch> arch_hint) {
  const tflite::SubGraph* sg = model.SignatureSubgraph(kDecode);
  if (sg == nullptr) return InvalidArgumentError(model.origin() + ": no 'decode' signature");
  Importer importer(model, *sg);
  return importer.Run(arch_hint);
}

}  // namespace litertlm::format
