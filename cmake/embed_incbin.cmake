# cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -DSYMBOL=<name> -P embed_incbin.cmake
# Like embed_file.cmake (`extern const char SYMBOL[]`, NUL-terminated, and
# `extern const size_t SYMBOLSize`), for files of megabytes: the assembler's .incbin
# copies the bytes, where a C++ array initializer of millions of elements costs GCC
# a minute and 600 MB. The file's sha256 is written into the source so that ccache,
# which does not see .incbin's input, misses when the data changes.
file(SHA256 "${INPUT}" digest)
file(SIZE "${INPUT}" size)
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/embed_incbin.cmake. Do not edit.\n"
  "// sha256 ${digest}\n"
  "#include <cstddef>\n"
  "extern const char ${SYMBOL}[];\nextern const size_t ${SYMBOL}Size;\n"
  "const size_t ${SYMBOL}Size = ${size};\n"
  "__asm__(\".section .rodata\\n\"\n"
  "        \".balign 16\\n\"\n"
  "        \".globl ${SYMBOL}\\n\"\n"
  "        \".type ${SYMBOL}, @object\\n\"\n"
  "        \".size ${SYMBOL}, ${size} + 1\\n\"\n"
  "        \"${SYMBOL}:\\n\"\n"
  "        \".incbin \\\"${INPUT}\\\"\\n\"\n"
  "        \".byte 0\\n\"\n"
  "        \".previous\\n\");\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
