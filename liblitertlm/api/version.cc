#include "litertlm/version.h"

namespace litertlm {
const char* Version() { return LITERTLM_VERSION_STRING; }
}  // namespace litertlm
