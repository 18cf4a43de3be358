// File: litertlm/litertlm.h — umbrella header for the whole public API.
#ifndef LITERTLM_LITERTLM_H_
#define LITERTLM_LITERTLM_H_

#include "litertlm/chat.h"
#include "litertlm/converter.h"
#include "litertlm/export.h"
#include "litertlm/engine.h"
#include "litertlm/hub.h"
#include "litertlm/inspect.h"
#include "litertlm/model.h"
#include "litertlm/model_resolver.h"
#include "litertlm/sampler.h"
#include "litertlm/session.h"
#include "litertlm/status.h"
#include "litertlm/tokenizer.h"
#include "litertlm/types.h"
#include "litertlm/version.h"

#endif  // LITERTLM_LITERTLM_H_
