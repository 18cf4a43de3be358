// The public Version() (include/litertlm/version.h), in util/ so that every layer may name the
// library version (the converter records it in the files it writes).
#include "litertlm/version.h"

namespace litertlm {
const char* Version() { return LITERTLM_VERSION_STRING; }
}  // namespace litertlm
