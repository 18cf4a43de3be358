// The weight half of a TFLite LLM import (format/tflite_importer_state.h): every weight the
// graph analysis found, under its Hugging Face name, as a TensorView into the file (int8 with
// per-channel scales, fp32/fp16, int4 re-laid out into our block layout).
#include <algorithm>
#include <cstring>
#include <vector>

#include "format/tflite_importer_state.h"
#include "util/half.h"
#include "util/status_macros.h"

namespace litertlm::format::tflite_import {

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
    // The scales are copied out of the FlatBuffer (4 bytes a row): no view points into it, so its
    // pages (mostly each signature's scale and int64 zero-point vectors: 14 MB on Qwen3-0.6B) can
    // be dropped after the import (UnreferencedRanges, tflite_importer.h).
    const bool per_row = scale->size() == static_cast<size_t>(total_rows) && q->quantized_dimension() == 0;
    if (!per_row && scale->size() != 1) {
      return Error(g_.TensorName(tensor) + " (" + name + ") has " + std::to_string(scale->size()) +
                   " scales along dimension " + std::to_string(q->quantized_dimension()) +
                   " (expected one per output row)");
    }
    auto buf = std::make_unique<float[]>(static_cast<size_t>(rows));
    if (per_row) {
      std::memcpy(buf.get(), scale->data() + row_begin, sizeof(float) * static_cast<size_t>(rows));
    } else {
      std::fill(buf.get(), buf.get() + rows, scale->Get(0));
    }
    view.scales = std::span<const float>(buf.get(), static_cast<size_t>(rows));
    out_->owned.push_back(std::move(buf));
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
  // Our coarsest int4 format whose scale block divides the file's (tensor/dtype.h).
  DType dtype = DType::kI4Block32;
  int64_t block = 0;
  for (DType d : AllDTypes()) {
    const NumberFormat& f = NumberFormatOf(d);
    if (IsInt4(d) && src_block % f.scale_block == 0 && f.scale_block > block) {
      dtype = d;
      block = f.scale_block;
    }
  }
  if (block == 0) {
    return Error(what + " has INT4 block size " + std::to_string(src_block) +
                 " (supported: multiples of " + std::to_string(NumberFormatOf(DType::kI4Block32).scale_block) + ")");
  }
  if (cols % NumberFormatOf(dtype).row_group != 0)
    return Error(what + " is INT4 with " + std::to_string(cols) + " columns (supported: a multiple of " +
                 std::to_string(NumberFormatOf(dtype).row_group) + ", the int4 kernels' group)");
  const int64_t row_bytes = cols / 2, blocks = cols / block, src_blocks = cols / src_block;
  auto data = std::make_unique<uint8_t[]>(static_cast<size_t>(rows * row_bytes));
  auto scales = std::make_unique<float[]>(static_cast<size_t>(rows * blocks));
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t src_row = row_begin + r;
    uint8_t* dst = data.get() + r * row_bytes;
    // The file packs two's-complement nibbles two per byte in column order (column 2j in the low
    // nibble of byte j; a row starts on a byte since cols is a multiple of 128). Ours stores
    // value + 8 (= nibble XOR 8) with column i of each group of 128 in the low nibble of byte i and
    // column 64 + i in its high nibble (tensor/dtype.h).
    const uint8_t* src = bytes.data() + src_row * cols / 2;
    for (int64_t g = 0; g < cols / 128; ++g, src += 64, dst += 64) {
      for (int j = 0; j < 32; ++j) {
        const uint8_t a = src[j] ^ 0x88, b = src[32 + j] ^ 0x88;  // columns 2j, 2j+1 and 64+2j, 65+2j
        dst[2 * j] = static_cast<uint8_t>((a & 0x0F) | (b << 4));
        dst[2 * j + 1] = static_cast<uint8_t>((a >> 4) | (b & 0xF0));
      }
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

}  // namespace litertlm::format::tflite_import
