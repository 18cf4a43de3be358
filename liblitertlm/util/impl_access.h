// internal::ImplAccess: how the library reaches the Impl behind a public class (litertlm::Model,
// litertlm::DecodeBatcher). The public headers name this struct as a friend instead of exposing an
// impl() accessor, so applications see no way into the library's internals; the library reaches
// them through the ImplOf() functions beside each Impl (model/loaded_model.h,
// session/decode_batcher.h).
#ifndef LITERTLM_UTIL_IMPL_ACCESS_H_
#define LITERTLM_UTIL_IMPL_ACCESS_H_

namespace litertlm::internal {

struct ImplAccess {
  // The Impl that `object` (a public class holding `std::unique_ptr<Impl> impl_`) wraps.
  template <typename Public>
  static typename Public::Impl& Of(const Public& object) {
    return *object.impl_;
  }
};

}  // namespace litertlm::internal

#endif  // LITERTLM_UTIL_IMPL_ACCESS_H_
