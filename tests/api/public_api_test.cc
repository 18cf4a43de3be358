// The public API as an application sees it: the public classes expose no way into the library's
// internals (no impl() accessor).
#include <gtest/gtest.h>

#include "litertlm/engine.h"
#include "litertlm/model.h"
#include "litertlm/session.h"

namespace litertlm {
namespace {

// Checked at compile time: the build of this file fails when a public class offers impl().
template <typename T>
concept HasImplAccessor = requires(const T& object) { object.impl(); };

static_assert(!HasImplAccessor<Model>, "litertlm::Model exposes impl()");
static_assert(!HasImplAccessor<Engine>, "litertlm::Engine exposes impl()");
static_assert(!HasImplAccessor<DecodeBatcher>, "litertlm::DecodeBatcher exposes impl()");
static_assert(!HasImplAccessor<Session>, "litertlm::Session exposes impl()");

}  // namespace
}  // namespace litertlm
