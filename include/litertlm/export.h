// File: litertlm/export.h
// LITERTLM_API marks the symbols liblitertlm exports. The library is built with hidden visibility,
// so anything not marked is private to the shared object.
#ifndef LITERTLM_EXPORT_H_
#define LITERTLM_EXPORT_H_

#if defined(LITERTLM_BUILDING_LIBRARY)
#define LITERTLM_API __attribute__((visibility("default")))
#else
#define LITERTLM_API
#endif

#endif  // LITERTLM_EXPORT_H_
