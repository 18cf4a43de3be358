// Which loader a model path needs (ModelLoader::Load, Engine::Create): decided from the path's
// kind and the file's magic bytes.
#ifndef LITERTLM_API_MODEL_FILE_KIND_H_
#define LITERTLM_API_MODEL_FILE_KIND_H_

#include <string>

namespace litertlm {

// The model file kinds ModelLoader::Load accepts.
// kTflite: a plain .tflite file (a TFLite "TFL3" FlatBuffer), or a directory without config.json
// holding exactly one *.tflite file.
enum class ModelFileKind { kCheckpointDir, kLitertlm, kGguf, kTflite, kUnknown };
ModelFileKind DetectModelFileKind(const std::string& path);

}  // namespace litertlm

#endif  // LITERTLM_API_MODEL_FILE_KIND_H_
