#include "format/tflite_importer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <utility>

#include <flatbuffers/flexbuffers.h>

#include "format/model_family.h"
#include "format/tflite_graph.h"
#include "format/tflite_importer_state.h"
#include "util/status_macros.h"

namespace litertlm::format::tflite_import {
namespace {

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
    case TfliteOp::kDequantize:  // fp16 weights (ai_edge_quantizer's float_casting), see WeightConst
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

}  // namespace

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

// A weight input `t`: the constant itself, or, for fp16 weights as ai_edge_quantizer's
// float_casting writes them, the FLOAT16 constant a DEQUANTIZE widens into `t` (the importer then
// maps the fp16 constant, which our kernels read as it lies).
int Importer::WeightConst(int t) const {
  if (g_.IsConst(t)) return t;
  const int op = g_.Producer(t);
  if (op < 0 || !Is(g_, op, TfliteOp::kDequantize)) return t;
  const int src = g_.In(op, 0);
  const tflite::Tensor* tensor = g_.Tensor(src);
  return tensor != nullptr && g_.IsConst(src) && tensor->type() == tflite::TensorType_FLOAT16 ? src : t;
}

Status Importer::CollectOps() {
  for (int op = 0; op < g_.NumOps(); ++op) {
    if (Is(g_, op, TfliteOp::kEmbeddingLookup)) {
      if (embedding_ >= 0) return Error("more than one EMBEDDING_LOOKUP in signature 'decode' (" + g_.Where(op) + ")");
      embedding_ = WeightConst(g_.In(op, 1));
      embedding_out_ = g_.Out(op, 0);
      if (!g_.IsConst(embedding_) || g_.Shape(embedding_).size() != 2)
        return Error(g_.Where(op) + ": the table is not a constant matrix");
    } else if (Is(g_, op, TfliteOp::kFullyConnected)) {
      Fc fc{op, g_.In(op, 0), g_.Out(op, 0), WeightConst(g_.In(op, 1))};
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
      Norm n{op, g_.In(op, 0), g_.Out(op, 0), WeightConst(g_.In(op, 1)), 0};
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
  // Mask: ADD(scores, mask) where mask is the signature's `mask` (full attention) or, for a
  // sliding window, ADD(SELECT_V2(window test), mask) (export_hf) or MINIMUM(mask,
  // SELECT_V2(window test)) (the classic converters with --mask_as_input). With grouped query
  // heads the classic converters compute the scores as [1, KV, group·T, len] and reshape them to
  // [1, heads, T, len] for the ADD (and back for the SOFTMAX): reshapes keep the element order,
  // so the ADD is found through them.
  const int add = g_.ConsumerWithCode(g_.Out(qk, 0), TfliteOp::kAdd);
  if (add < 0) {
    const auto& c = g_.Consumers(g_.Out(qk, 0));
    return Error("signature 'decode': " + name + "'s attention scores go to " +
                 (c.empty() ? std::string("nothing") : g_.Where(c[0])) + " (expected the mask ADD; not supported)");
  }
  auto mask_input = g_.model().SignatureTensor(kDecode, "mask", true);
  if (!mask_input) return Error("signature 'decode' has no input 'mask'");
  const int mask = g_.BackThrough(g_.BackThrough(g_.In(add, 0)) == g_.Out(qk, 0) ? g_.In(add, 1) : g_.In(add, 0));
  if (mask == *mask_input) return Status::Ok();
  const int mask_add = g_.Producer(mask);
  int select = -1;
  if (Is(g_, mask_add, TfliteOp::kAdd) || Is(g_, mask_add, TfliteOp::kMinimum)) {
    for (int i = 0; i < 2; ++i) {
      const int producer = g_.Producer(g_.BackThrough(g_.In(mask_add, i)));
      if (Is(g_, producer, TfliteOp::kSelectV2)) select = producer;
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
  rope.inv_freq = inv;  // google mode computes the angles from these very floats
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

Status Importer::BuildConfig(const ModelFamily* family_hint) {
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
  const ModelFamily* family = family_hint;
  for (const ModelFamily& f : ModelFamilies()) {
    if (family == nullptr && f.tflite_graph && f.sandwich_norms == c.sandwich_norms) family = &f;
  }
  if (family == nullptr) return Error("no model family has this graph's norms");
  c.architecture = std::string(family->hf_architectures[0]);
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
    if (have && (slot.theta != rope.theta || slot.linear_factor != rope.linear_factor ||
                 slot.inv_freq != rope.inv_freq))
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

StatusOr<std::unique_ptr<TfliteImport>> Importer::Run(const ModelFamily* family_hint) {
  RETURN_IF_ERROR(CheckOps());
  RETURN_IF_ERROR(CollectOps());
  RETURN_IF_ERROR(FindCaches());
  RETURN_IF_ERROR(ClassifyAttention());
  RETURN_IF_ERROR(ClassifyMlp());
  for (size_t l = 0; l < layers_.size(); ++l) {
    RETURN_IF_ERROR(sdpa_.empty() ? FindAttentionDetails(static_cast<int>(l))
                                  : FindCompositeAttention(static_cast<int>(l)));
  }
  RETURN_IF_ERROR(BuildConfig(family_hint));
  RETURN_IF_ERROR(MapWeights());
  return std::move(out_);
}

}  // namespace litertlm::format::tflite_import

namespace litertlm::format {

std::vector<std::span<const uint8_t>> UnreferencedRanges(const TfliteImport& import,
                                                         std::span<const uint8_t> model) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(model.data());
  const uintptr_t end = begin + model.size();
  std::vector<std::pair<uintptr_t, uintptr_t>> kept;  // [first, last) of each view inside `model`
  auto keep = [&](const void* data, size_t size) {
    const uintptr_t p = reinterpret_cast<uintptr_t>(data);
    if (size != 0 && p >= begin && p < end) kept.emplace_back(p, std::min(end, p + size));
  };
  for (const auto& entry : import.tensors) {
    const TensorView& v = entry.second;
    keep(v.data.data(), v.data.size());
    keep(v.scales.data(), v.scales.size_bytes());
    keep(v.row_sums.data(), v.row_sums.size_bytes());
  }
  std::sort(kept.begin(), kept.end());
  std::vector<std::span<const uint8_t>> gaps;
  uintptr_t at = begin;
  auto gap = [&](uintptr_t to) {
    if (to > at) gaps.emplace_back(model.data() + (at - begin), to - at);
  };
  for (const auto& [first, last] : kept) {
    gap(first);
    at = std::max(at, last);
  }
  gap(end);
  return gaps;
}

StatusOr<std::unique_ptr<TfliteImport>> ImportTfliteLlm(const TfliteModel& model, const ModelFamily* family_hint) {
  const tflite::SubGraph* sg = model.SignatureSubgraph(tflite_import::kDecode);
  if (sg == nullptr) return InvalidArgumentError(model.origin() + ": no 'decode' signature");
  tflite_import::Importer importer(model, *sg);
  return importer.Run(family_hint);
}

}  // namespace litertlm::format
