# XNNPACK's arithmetic, bit for bit: no contraction of a product and a sum into an FMA that the
# XNNPACK kernel does not make (the fused steps are explicit std::fma calls).
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/kernels/xnnpack_float.cc
                            PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")

# Without it GCC 12 keeps the clamps of ExpNoLibm (kernels/fast_exp.h) as branches in the "avx2"
# and "default" clones (a compare could trap), so GeluTanhMul, SiluMul and Softmax ran one
# element at a time there: 7 % of a 512-token Gemma 3 prefill on an AVX2 host. The flag only
# permits if-conversion and vectorization; every element takes the same float operations.
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/kernels/elementwise.cc
                            PROPERTIES COMPILE_OPTIONS "-fno-trapping-math")
