# The XNNPACK-exact layers (kernels/module.cmake says why).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/model/transformer_xnnpack.cc
                            PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
