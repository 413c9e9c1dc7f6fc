# ffirt_add_library(NAME IDL file.ffi SOURCES impl.c ...)
# Placeholder until ffirt-gen lands (issue 5): the generator helper owns this file.
