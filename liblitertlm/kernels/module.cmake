# XNNPACK's arithmetic, bit for bit: no contraction of a product and a sum into an FMA that the
# XNNPACK kernel does not make (the fused steps are explicit std::fma calls).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/kernels/xnnpack_float.cc
                            PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
