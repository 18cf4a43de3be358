# format/: generated code for the .litertlm container.
#  - FlatBuffers: litertlm_header.fbs (v1.2+ header), litertlm_header_v1_0.fbs (v1.0/1.1 header,
#    read-only), weights_table.fbs (our weights section) → <build>/liblitertlm/format/*_generated.h
#  - Protobuf: llm_metadata.proto, executor_metadata.proto → <build>/liblitertlm/format/*.pb.{h,cc}
# Included from liblitertlm/CMakeLists.txt, so CMAKE_CURRENT_{SOURCE,BINARY}_DIR are liblitertlm's.
set(_fmt_src ${CMAKE_CURRENT_SOURCE_DIR}/format)
set(_fmt_gen ${CMAKE_CURRENT_BINARY_DIR}/format)
file(MAKE_DIRECTORY ${_fmt_gen})

set(_fmt_fbs_headers)
foreach(_fbs litertlm_header litertlm_header_v1_0 weights_table tflite_schema)
  add_custom_command(
    OUTPUT ${_fmt_gen}/${_fbs}_generated.h
    COMMAND ${FLATC} --cpp -o ${_fmt_gen} ${_fmt_src}/${_fbs}.fbs
    DEPENDS ${_fmt_src}/${_fbs}.fbs
    COMMENT "flatc ${_fbs}.fbs"
    VERBATIM)
  list(APPEND _fmt_fbs_headers ${_fmt_gen}/${_fbs}_generated.h)
endforeach()

set(_fmt_proto_headers)
set(_fmt_proto_sources)
foreach(_proto llm_metadata executor_metadata)
  add_custom_command(
    OUTPUT ${_fmt_gen}/${_proto}.pb.h ${_fmt_gen}/${_proto}.pb.cc
    COMMAND protobuf::protoc --cpp_out=${_fmt_gen} -I ${_fmt_src} ${_fmt_src}/${_proto}.proto
    DEPENDS ${_fmt_src}/${_proto}.proto protobuf::protoc
    COMMENT "protoc ${_proto}.proto"
    VERBATIM)
  list(APPEND _fmt_proto_headers ${_fmt_gen}/${_proto}.pb.h)
  list(APPEND _fmt_proto_sources ${_fmt_gen}/${_proto}.pb.cc)
endforeach()

add_custom_target(litertlm_format_generated
  DEPENDS ${_fmt_fbs_headers} ${_fmt_proto_headers})
add_dependencies(litertlm_obj litertlm_format_generated)
target_sources(litertlm_obj PRIVATE ${_fmt_proto_sources} ${_fmt_fbs_headers})
# Generated code is not ours to keep warning-clean.
set_source_files_properties(${_fmt_proto_sources} PROPERTIES COMPILE_OPTIONS "-w")
