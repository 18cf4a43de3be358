// What the renderers (chat_template_*.cc) build on from the public chat vocabulary
// (include/litertlm/chat.h): the role names and the ChatTemplate base class, whose destructor
// anchors its vtable here, below the facade (api/chat.cc) that creates the renderers.
#include "litertlm/chat.h"

namespace litertlm {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSystem: return "system";
    case Role::kUser: return "user";
    case Role::kAssistant: return "assistant";
  }
  return "user";
}

ChatTemplate::~ChatTemplate() = default;

}  // namespace litertlm
