#include "model/model_weights.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <string>

#include "model/tensor_table.h"
#include "tensor/tensor_view.h"
#include "util/half.h"
#include "util/status_macros.h"

namespace litertlm {
namespace {

// Widens a plain floating-point tensor to an owned fp32 buffer.
const float* WidenToF32(const TensorView& v, ModelWeights* w) {
  const int64_t n = v.NumElements();
  auto buf = std::make_unique<float[]>(static_cast<size_t>(n));
  const uint16_t* src = reinterpret_cast<const uint16_t*>(v.data.data());
  if (v.dtype == DType::kF16) {
    for (int64_t i = 0; i < n; ++i) buf[i] = F16ToF32(src[i]);
  } else if (v.dtype == DType::kBF16) {
    for (int64_t i = 0; i < n; ++i) buf[i] = Bf16ToF32(src[i]);
  } else {
    std::memcpy(buf.get(), v.data.data(), sizeof(float) * static_cast<size_t>(n));
  }
  w->owned.push_back(std::move(buf));
  return w->owned.back().get();
}

bool IsAligned(const void* p, size_t a) { return reinterpret_cast<uintptr_t>(p) % a == 0; }

// Index of the first element whose exponent bits are all ones (NaN or ±infinity), or -1.
// `Bits` is the element's integer type, `exponent` its exponent mask. Blocks are scanned
// branch-free (the compiler vectorises them) and only a failing block is searched.
template <typename Bits>
int64_t FirstNonFiniteOf(const uint8_t* data, int64_t n, Bits exponent) {
  constexpr int64_t kBlock = 4096;
  for (int64_t start = 0; start < n; start += kBlock) {
    const int64_t end = std::min(n, start + kBlock);
    bool bad = false;
    for (int64_t i = start; i < end; ++i) {
      Bits b;
      std::memcpy(&b, data + i * static_cast<int64_t>(sizeof(Bits)), sizeof(Bits));
      bad |= (b & exponent) == exponent;
    }
    if (!bad) continue;
    for (int64_t i = start; i < end; ++i) {
      Bits b;
      std::memcpy(&b, data + i * static_cast<int64_t>(sizeof(Bits)), sizeof(Bits));
      if ((b & exponent) == exponent) return i;
    }
  }
  return -1;
}

int64_t FirstNonFinite(const TensorView& v) {
  if (v.layout != TensorLayout::kRowMajor) return -1;
  switch (v.dtype) {
    case DType::kF32:
      return FirstNonFiniteOf<uint32_t>(v.data.data(), v.NumElements(), 0x7f800000u);
    case DType::kF16:
      return FirstNonFiniteOf<uint16_t>(v.data.data(), v.NumElements(), uint16_t{0x7c00});
    case DType::kBF16:
      return FirstNonFiniteOf<uint16_t>(v.data.data(), v.NumElements(), uint16_t{0x7f80});
    default:
      return -1;
  }
}

class WeightBuilder {
 public:
  WeightBuilder(const WeightSource& source, const WeightLoadOptions& options, ModelWeights* w)
      : source_(source), options_(options), w_(w) {}

  StatusOr<TensorView> Fetch(const TensorSpec& spec) {
    auto view = source_.Tensor(spec.name);
    if (!view.ok()) return view.status();
    if (view->shape != spec.shape) {
      return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name + "' has shape " +
                                  ShapeToString(view->shape) + ", the config implies " +
                                  ShapeToString(spec.shape));
    }
    if (options_.reject_non_finite) {
      if (const int64_t i = FirstNonFinite(*view); i >= 0) {
        return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name +
                                    "' holds a non-finite value (NaN or infinity) at element " +
                                    std::to_string(i) + " (damaged checkpoint?)");
      }
    }
    return view;
  }

  // Norms and biases: always fp32 (zero-copy when stored as aligned fp32).
  StatusOr<const float*> Vector(const TensorSpec& spec) {
    ASSIGN_OR_RETURN(TensorView v, Fetch(spec));
    if (v.dtype != DType::kF32 && v.dtype != DType::kF16 && v.dtype != DType::kBF16)
      return InvalidArgumentError(BadDType(spec, v));
    if (v.dtype == DType::kF32 && IsAligned(v.data.data(), alignof(float)))
      return reinterpret_cast<const float*>(v.data.data());
    return WidenToF32(v, w_);
  }

  StatusOr<Matrix> Projection(const TensorSpec& spec) {
    ASSIGN_OR_RETURN(Matrix m, StoredProjection(spec));
    m.xnnpack_fma_order = options_.xnnpack_float_ops &&
                          (m.dtype == DType::kF32 || m.dtype == DType::kF16 || m.dtype == DType::kBF16);
    return m;
  }

 private:
  StatusOr<Matrix> StoredProjection(const TensorSpec& spec) {
    ASSIGN_OR_RETURN(TensorView v, Fetch(spec));
    Matrix m;
    m.rows = spec.shape[0];
    m.cols = spec.shape[1];
    if (v.layout == TensorLayout::kPacked4x64) return InPlace(spec, v, m);
    switch (v.dtype) {
      case DType::kF32:
        m.dtype = DType::kF32;
        m.data = IsAligned(v.data.data(), alignof(float)) ? static_cast<const void*>(v.data.data())
                                                           : static_cast<const void*>(WidenToF32(v, w_));
        return m;
      case DType::kF16:
      case DType::kBF16:
        if (options_.keep_half_precision) return Pack(spec, v, m);
        m.dtype = DType::kF32;
        m.data = WidenToF32(v, w_);
        return m;
      default:
        if (NumberFormatOf(v.dtype).quantized) return Pack(spec, v, m);
        return InvalidArgumentError(BadDType(spec, v));
    }
  }

  // Quantized and half-precision projections are re-laid out once at load into the interleaved
  // layout the kernels stream at full memory bandwidth (kernels/pack.h).
  // A matrix the file already stores in the kernels' layout: used in place (no copy, no packing;
  // the bytes stay file-backed pages of the mmap). The reader checked its sizes and alignment.
  StatusOr<Matrix> InPlace(const TensorSpec& spec, const TensorView& v, Matrix m) {
    m.dtype = v.dtype;
    m.layout = MatrixLayout::kPacked4x64;
    m.data = v.data.data();
    m.scales = v.scales.empty() ? nullptr : v.scales.data();
    m.row_sums = v.row_sums.empty() ? nullptr : v.row_sums.data();
    m.dynamic_activations = options_.int8_dynamic_activations;
    m.activations16 = options_.int8_activations16;
    const NumberFormat& format = NumberFormatOf(v.dtype);
    const bool quantized = format.quantized;
    if (!format.packable) return InvalidArgumentError(BadDType(spec, v));
    if ((quantized && m.scales == nullptr) || (format.row_sums && m.row_sums == nullptr))
      return InvalidArgumentError(source_.origin() + ": packed tensor '" + spec.name +
                                  "' has no scales or row sums");
    if (IsInt4(v.dtype)) return Rows16(spec, m);
    if (quantized || options_.keep_half_precision) return m;
    // Half precision asked to be widened: unpack to a row-major fp32 copy.
    auto buf = std::make_unique<float[]>(static_cast<size_t>(m.rows * m.cols));
    DequantizeRows(m, 0, m.rows, buf.get(), m.cols);
    Matrix out;
    out.dtype = DType::kF32;
    out.rows = m.rows;
    out.cols = m.cols;
    out.data = buf.get();
    w_->owned.push_back(std::move(buf));
    return out;
  }

  StatusOr<Matrix> Pack(const TensorSpec& spec, const TensorView& v, Matrix m) {
    m.dtype = v.dtype;
    m.data = v.data.data();
    m.scales = v.scales.empty() ? nullptr : v.scales.data();
    m.dynamic_activations = options_.int8_dynamic_activations;
    m.asymmetric_activations = options_.int8_asymmetric_activations;
    m.activations16 = options_.int8_activations16;
    if (NumberFormatOf(v.dtype).quantized && m.scales == nullptr)
      return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name + "' has no scales");
    if (IsInt4(v.dtype)) return Rows16(spec, m);
    if (options_.int8_in_place && v.dtype == DType::kI8 && m.cols % 64 == 0 && m.rows % 4 == 0) {
      return RowMajorInPlace(spec, m);
    }
    auto packed = PackMatrix(m);
    if (!packed.ok())
      return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name + "': " +
                                  packed.status().message());
    w_->packed.push_back(std::move(packed).value());
    source_.DropPages(spec.name);  // the packed copy replaces the mapped bytes (a hint)
    Matrix out = w_->packed.back()->view;
    out.dynamic_activations = options_.int8_dynamic_activations;
    out.asymmetric_activations = options_.int8_asymmetric_activations;
    out.activations16 = options_.int8_activations16;
    return out;
  }

  // A stored row-major int8 matrix the int8 kernels read where it lies (kernels/pack.h,
  // RowMajorI8InPlace): no copy, the bytes stay file-backed pages of the mapping; only the row
  // sums the VNNI kernels' offset trick needs are computed (one read pass).
  StatusOr<Matrix> RowMajorInPlace(const TensorSpec& spec, Matrix m) {
    auto sums = std::make_unique<PackedMatrix>();
    sums->row_sums = AlignedBuffer(static_cast<size_t>(m.rows) * sizeof(int32_t));
    int32_t* row_sums = reinterpret_cast<int32_t*>(sums->row_sums.data());
    if (Status st = ComputeI8RowSums(m, row_sums, options_.pack_threads); !st.ok()) {
      return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name + "': " + st.message());
    }
    m.layout = MatrixLayout::kRowMajor;
    m.row_sums = row_sums;
    sums->view = m;
    w_->packed.push_back(std::move(sums));
    return m;
  }

  // int4 matrices (stored row-major or kPacked4x64) are re-laid out into kInt4Rows16, the layout
  // the int4 kernels read (16 rows across the vector lanes, kernels/pack.h); the copy replaces
  // the mapped bytes. The activation flags are kept. With int4_xnnpack_qb4w (blockwise TFLite
  // files in google mode) they also get XNNPACK's qb4w form (PrepareXnnpackQb4w).
  StatusOr<Matrix> Rows16(const TensorSpec& spec, const Matrix& m) {
    auto packed = PackInt4Rows16(m, options_.pack_threads);
    Status prepared = packed.ok() ? Status::Ok() : packed.status();
    if (prepared.ok() && options_.int4_xnnpack_qb4w) prepared = PrepareXnnpackQb4w(**packed);
    if (!prepared.ok())
      return InvalidArgumentError(source_.origin() + ": tensor '" + spec.name + "': " +
                                  prepared.message());
    w_->packed.push_back(std::move(packed).value());
    source_.DropPages(spec.name);  // a hint, as in Pack
    return w_->packed.back()->view;
  }

 private:
  std::string BadDType(const TensorSpec& spec, const TensorView& v) const {
    return source_.origin() + ": tensor '" + spec.name + "' has unsupported dtype " +
           std::string(DTypeName(v.dtype));
  }
  const WeightSource& source_;
  const WeightLoadOptions& options_;
  ModelWeights* w_;
};

}  // namespace

StatusOr<std::unique_ptr<ModelWeights>> LoadModelWeights(const ModelConfig& config,
                                                         const WeightSource& source,
                                                         const WeightLoadOptions& options) {
  auto w = std::make_unique<ModelWeights>();
  w->xnnpack_float_ops = options.xnnpack_float_ops;
  WeightBuilder b(source, options, w.get());
  std::map<std::string, TensorSpec> specs;
  for (TensorSpec& s : ExpectedTensors(config)) specs.emplace(s.name, std::move(s));
  // Fills the slot of one table row (model/tensor_table.h) from the tensor `name`.
  auto load = [&](const auto& row, auto& slots, const std::string& name) -> Status {
    if (!HasTensor(config, row.presence)) return Status::Ok();
    const TensorSpec& spec = specs.at(name);
    if (row.matrix != nullptr) {
      ASSIGN_OR_RETURN(slots.*row.matrix, b.Projection(spec));
    } else {
      ASSIGN_OR_RETURN(slots.*row.vector, b.Vector(spec));
    }
    return Status::Ok();
  };
  if (options.globals) {
    for (const TensorRow<ModelWeights>& row : GlobalTensorRows()) RETURN_IF_ERROR(load(row, *w, row.name));
    if (config.tie_word_embeddings) w->output = w->embedding;
  }
  w->layers.resize(config.num_layers);
  const int end_layer = options.end_layer < 0 ? config.num_layers
                                              : std::min(options.end_layer, config.num_layers);
  for (int l = std::max(0, options.first_layer); l < end_layer; ++l) {
    for (const TensorRow<LayerWeights>& row : LayerTensorRows()) {
      RETURN_IF_ERROR(load(row, w->layers[l], LayerTensorName(l, row.name)));
    }
  }
  return w;
}

}  // namespace litertlm
