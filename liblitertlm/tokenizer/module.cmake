# tokenizer module: compiles our SentencePiece ModelProto subset with protoc. The generated
# sentencepiece_model.pb.{h,cc} live in the build tree (${CMAKE_CURRENT_BINARY_DIR}/tokenizer/),
# included as "tokenizer/sentencepiece_model.pb.h".
set(_spm_proto ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer/sentencepiece_model.proto)
set(_spm_out ${CMAKE_CURRENT_BINARY_DIR}/tokenizer)
file(MAKE_DIRECTORY ${_spm_out})
add_custom_command(
  OUTPUT ${_spm_out}/sentencepiece_model.pb.cc ${_spm_out}/sentencepiece_model.pb.h
  COMMAND protobuf::protoc
          --cpp_out=${_spm_out} --proto_path=${CMAKE_CURRENT_SOURCE_DIR}/tokenizer ${_spm_proto}
  DEPENDS ${_spm_proto} protobuf::protoc
  COMMENT "protoc: tokenizer/sentencepiece_model.proto"
  VERBATIM)
target_sources(litertlm_obj PRIVATE ${_spm_out}/sentencepiece_model.pb.cc)
# Generated code is not held to our warning flags.
set_source_files_properties(${_spm_out}/sentencepiece_model.pb.cc PROPERTIES COMPILE_OPTIONS "-w")
