# LITERTLM_SANITIZE="address;undefined" instruments every target of the build.
if(LITERTLM_SANITIZE)
  string(REPLACE ";" "," _litertlm_san "${LITERTLM_SANITIZE}")
  add_compile_options(-fsanitize=${_litertlm_san} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${_litertlm_san})
endif()
